package org.betty4j.runtime.onnx;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * A tensor a model declares as input or output: its name, element type and shape, where
 * {@code -1} marks a dimension of any size (typically the batch).
 *
 * @param dataType the DJL type, or {@link DataType#UNKNOWN} for a type DJL has no equivalent of
 */
public record TensorSpec(String name, DataType dataType, Shape shape) {

    /** True when {@code actual} has this rank and every fixed dimension matches. */
    public boolean accepts(Shape actual) {
        if (actual.dimension() != shape.dimension()) {
            return false;
        }
        for (int i = 0; i < shape.dimension(); i++) {
            if (shape.get(i) >= 0 && shape.get(i) != actual.get(i)) {
                return false;
            }
        }
        return true;
    }

    /** True when the first dimension may take any size, so the tensor can be split into batches. */
    public boolean hasFreeBatchAxis() {
        return shape.dimension() >= 1 && shape.get(0) < 0;
    }

    @Override
    public String toString() {
        return "'" + name + "' " + dataType + " " + shape;
    }
}
