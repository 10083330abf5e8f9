package org.betty4j.runtime.onnx;

/**
 * A model file that cannot be used as asked: missing, unreadable, not ONNX, or declaring
 * inputs/outputs that do not match how it is used. The message names the file and the tensor.
 */
public class OnnxModelException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public OnnxModelException(String message) {
        super(message);
    }

    public OnnxModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
