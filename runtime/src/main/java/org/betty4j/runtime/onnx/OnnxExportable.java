package org.betty4j.runtime.onnx;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;

/**
 * A problem whose trained network can be written as an ONNX file. A {@code Trainable} that
 * also implements this is exported by the generated main's {@code --export-onnx DIR} at the
 * end of the run, as {@code DIR/<problem name>.onnx} (see {@link OnnxExportListener}).
 *
 * <pre>{@code
 * public Block exportBlock() { return net; }
 * public Shape exportInputShape() { return new Shape(1, 784); }
 * }</pre>
 */
public interface OnnxExportable {

    /** The trained network, in a form {@link OnnxExporter} supports; called after the last step. */
    Block exportBlock();

    /** The network's input shape, batch axis first (its size does not matter), e.g. {@code (1, 784)}. */
    Shape exportInputShape();
}
