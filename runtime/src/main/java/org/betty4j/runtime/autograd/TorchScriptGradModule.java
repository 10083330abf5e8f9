package org.betty4j.runtime.autograd;

import java.io.IOException;
import java.nio.file.Path;
import org.betty4j.runtime.internal.TorchScriptArchive;

/**
 * Writes the tiny TorchScript archive that gives Java {@code torch.autograd.grad}: a module
 * whose methods {@code grad_of_scalars(outputs, inputs, retain_graph, create_graph)} and
 * {@code vjp(outputs, inputs, grad_outputs, retain_graph, create_graph)} return the gradients
 * instead of accumulating them into {@code .grad}. See runtime/AUTOGRAD.md for why
 * (DJL's {@code backward(create_graph)} leaks through a reference cycle in {@code .grad}).
 *
 * <p>Written at run time with the JDK's zip support; no Python anywhere.
 */
final class TorchScriptGradModule {

    static final String CLASS_NAME = "BettyAutogradGrad";

    /** The method for first-order gradients of scalars (seeds of ones, made by libtorch). */
    static final String GRAD = "grad_of_scalars";

    /** The method for vector-Jacobian products with explicit seeds, to any order. */
    static final String VJP = "vjp";

    // TorchScript source as libtorch's importer reads it (typed, no imports). The flags are plain
    // bools so a call passes them as cached IValues; a seed left to libtorch (None) saves
    // creating and packing one tensor per call.
    private static final String CODE = String.join("\n",
            "class " + CLASS_NAME + "(Module):",
            "  __parameters__ = []",
            "  __buffers__ = []",
            "  training : bool",
            "  def " + GRAD + "(self: __torch__." + CLASS_NAME + ",",
            "    outputs: List[Tensor],",
            "    inputs: List[Tensor],",
            "    retain_graph: bool,",
            "    create_graph: bool) -> List[Tensor]:",
            "    grads = torch.autograd.grad(outputs, inputs, None, retain_graph, create_graph, True)",
            "    result = annotate(List[Tensor], [])",
            "    for i in range(len(inputs)):",
            "      g = grads[i]",
            "      if g is None:",
            "        result.append(torch.zeros_like(inputs[i]))",
            "      else:",
            "        result.append(g)",
            "    return result",
            "  def " + VJP + "(self: __torch__." + CLASS_NAME + ",",
            "    outputs: List[Tensor],",
            "    inputs: List[Tensor],",
            "    grad_outputs: List[Tensor],",
            "    retain_graph: bool,",
            "    create_graph: bool) -> List[Tensor]:",
            "    seeds = annotate(List[Optional[Tensor]], [])",
            "    for s in grad_outputs:",
            "      seeds.append(s)",
            "    grads = torch.autograd.grad(outputs, inputs, seeds, retain_graph, create_graph, True)",
            "    result = annotate(List[Tensor], [])",
            "    for i in range(len(inputs)):",
            "      g = grads[i]",
            "      if g is None:",
            "        result.append(torch.zeros_like(inputs[i]))",
            "      else:",
            "        result.append(g)",
            "    return result",
            "");

    private TorchScriptGradModule() {}

    /** Writes the archive to {@code file}. */
    static void write(Path file) throws IOException {
        TorchScriptArchive.write(file, CLASS_NAME, CODE);
    }

    /**
     * Writes a TorchScript archive of one parameterless module: {@code code} declares
     * {@code class <className>(Module)} as libtorch's importer reads it.
     */
    static void write(Path file, String className, String code) throws IOException {
        TorchScriptArchive.write(file, className, code);
    }
}
