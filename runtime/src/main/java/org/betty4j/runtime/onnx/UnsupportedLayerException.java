package org.betty4j.runtime.onnx;

/** A block {@link OnnxExporter} cannot translate; the message names the layer, its type and what is supported. */
public class UnsupportedLayerException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public UnsupportedLayerException(String message) {
        super(message);
    }
}
