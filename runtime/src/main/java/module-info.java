/**
 * The runtime of Betty for Java: the engine that runs a multilevel program, the problem API, data,
 * optimizers, hypergradient settings, metrics and tracking, ONNX Runtime inference and export, and
 * the command line of a generated {@code main}. Hypergradient methods, the autograd plumbing they
 * share and other helpers live in packages this module does not export.
 */
module org.betty4j.runtime {
    requires transitive org.betty4j.annotations;
    requires transitive ai.djl.api;
    requires ai.djl.pytorch_engine;
    requires ai.djl.pytorch_jni;
    requires org.slf4j;
    requires info.picocli;
    requires me.tongfei.progressbar;
    requires org.knowm.xchart;
    requires java.desktop;
    requires java.net.http;
    requires com.microsoft.onnxruntime;
    requires transitive org.tribuo.util.onnx; // OnnxExporter takes and returns ONNX protos
    requires com.google.protobuf;
    requires com.fasterxml.jackson.core;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.csv;
    requires mlflow.client;

    exports org.betty4j.runtime.autograd;
    exports org.betty4j.runtime.cli;
    exports org.betty4j.runtime.data;
    exports org.betty4j.runtime.engine;
    exports org.betty4j.runtime.hypergrad;
    exports org.betty4j.runtime.metrics;
    exports org.betty4j.runtime.onnx;
    exports org.betty4j.runtime.optim;
    exports org.betty4j.runtime.problem;

    // picocli sets the generated main's options on the command object by reflection
    opens org.betty4j.runtime.cli to info.picocli;
}
