package org.betty4j.processor;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import javax.tools.JavaFileObject;

/** Loads the classes of an in-memory compilation, so tests can run the generated wiring. */
final class GeneratedClasses extends ClassLoader {

    private static final String OUTPUT = "CLASS_OUTPUT/";

    private final Map<String, byte[]> bytes = new HashMap<>();

    GeneratedClasses(Compilation compilation) {
        super(GeneratedClasses.class.getClassLoader());
        for (JavaFileObject f : compilation.generatedFiles()) {
            if (f.getKind() != JavaFileObject.Kind.CLASS) {
                continue;
            }
            String path = f.toUri().getPath();
            String name = path.substring(path.indexOf(OUTPUT) + OUTPUT.length(), path.length() - ".class".length())
                    .replace('/', '.');
            try (InputStream in = f.openInputStream()) {
                bytes.put(name, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        byte[] b = bytes.get(name);
        if (b == null) {
            throw new ClassNotFoundException(name);
        }
        return defineClass(name, b, 0, b.length);
    }

    /** Calls a public static no-arg method of a generated class. */
    Object callStatic(String className, String method) {
        try {
            return loadClass(className).getMethod(method).invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot call " + className + "." + method + "()", e);
        }
    }

    /** Reads a public static field of a generated class. */
    Object staticField(String className, String field) {
        try {
            return loadClass(className).getField(field).get(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot read " + className + "." + field, e);
        }
    }
}
