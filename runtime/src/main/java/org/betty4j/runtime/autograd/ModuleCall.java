package org.betty4j.runtime.autograd;

import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * Calls a method of a TorchScript module with grad mode on and IValue arguments the caller
 * builds and may cache. DJL's public {@code IValueUtils.forward} takes only arrays (it packs
 * lists by array names, so every call renames arrays and turns each flag into a tensor), and
 * {@code IValueUtils.runMethod} runs with autograd off; the native call both use takes IValue
 * handles and a train flag, so this class reaches it (and IValue's handle constructor) by
 * reflection, once, when the class loads. DJL's packages are open to reflection on the class
 * path and as automatic modules.
 */
final class ModuleCall {

    private static final MethodHandle RUN_METHOD;
    private static final MethodHandle IVALUE_OF_HANDLE;

    static {
        try {
            Class<?> library = Class.forName("ai.djl.pytorch.jni.PyTorchLibrary");
            Field instance = library.getDeclaredField("LIB");
            instance.setAccessible(true);
            Method run = library.getDeclaredMethod("moduleRunMethod", long.class, String.class, long[].class,
                    boolean.class, boolean.class);
            run.setAccessible(true);
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            RUN_METHOD = lookup.unreflect(run).bindTo(instance.get(null))
                    .asType(MethodType.methodType(long.class, long.class, String.class, long[].class, boolean.class,
                            boolean.class));
            Constructor<IValue> ofHandle = IValue.class.getDeclaredConstructor(long.class);
            ofHandle.setAccessible(true);
            IVALUE_OF_HANDLE = lookup.unreflectConstructor(ofHandle)
                    .asType(MethodType.methodType(IValue.class, long.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError(new IllegalStateException(
                    "this DJL PyTorch engine does not offer the native module call the autograd facade needs "
                            + "(PyTorchLibrary.moduleRunMethod(long, String, long[], boolean, boolean)); "
                            + "use the DJL version the betty4j BOM pins", e));
        }
    }

    private final long module;

    ModuleCall(PtSymbolBlock module) {
        this.module = module.getHandle();
    }

    /**
     * Runs {@code method} with grad mode on (so results keep their graph when the method builds
     * one) and returns its list of tensors as arrays of {@code manager}. The arguments stay the
     * caller's to close.
     */
    PtNDArray[] tensors(String method, PtNDManager manager, IValue... args) {
        try (IValue out = run(method, args)) {
            return out.toTensorArray(manager);
        }
    }

    /** As {@link #tensors}, for a method that returns one tensor. */
    PtNDArray tensor(String method, PtNDManager manager, IValue... args) {
        try (IValue out = run(method, args)) {
            return out.toTensor(manager);
        }
    }

    private IValue run(String method, IValue... args) {
        long[] handles = new long[args.length];
        for (int i = 0; i < args.length; i++) {
            handles[i] = args[i].getHandle();
        }
        try {
            long result = (long) RUN_METHOD.invokeExact(module, method, handles, true, false);
            return (IValue) IVALUE_OF_HANDLE.invokeExact(result);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }
}
