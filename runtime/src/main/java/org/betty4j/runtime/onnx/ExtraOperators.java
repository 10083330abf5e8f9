package org.betty4j.runtime.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto.AttributeType;
import java.util.Map;
import java.util.Set;
import org.tribuo.util.onnx.ONNXAttribute;
import org.tribuo.util.onnx.ONNXOperator;

/**
 * Standard ONNX operators (default domain, opset 13) that tribuo-util-onnx's
 * {@code ONNXOperators} lacks.
 */
enum ExtraOperators implements ONNXOperator {
    RELU("Relu", Map.of()),
    TANH("Tanh", Map.of()),
    SOFTPLUS("Softplus", Map.of()),
    /** Flattens to (d0 * ... * d(axis-1), rest); axis 1 keeps the batch axis. */
    FLATTEN("Flatten", Map.of("axis", new ONNXAttribute("axis", AttributeType.INT, false)));

    private final String opName;
    private final Map<String, ONNXAttribute> attributes;

    ExtraOperators(String opName, Map<String, ONNXAttribute> attributes) {
        this.opName = opName;
        this.attributes = attributes;
    }

    @Override
    public String getOpName() {
        return opName;
    }

    @Override
    public int getNumInputs() {
        return 1;
    }

    @Override
    public int getNumOptionalInputs() {
        return 0;
    }

    @Override
    public int getNumOutputs() {
        return 1;
    }

    @Override
    public Map<String, ONNXAttribute> getAttributes() {
        return attributes;
    }

    @Override
    public Set<String> getMandatoryAttributeNames() {
        return Set.of();
    }

    @Override
    public int getOpVersion() {
        return OnnxExporter.OPSET;
    }

    /** The default ONNX domain. */
    @Override
    public String getOpDomain() {
        return null;
    }
}
