/**
 * Forward-only inference on ONNX Runtime: {@link org.betty4j.runtime.onnx.OnnxSession} (CUDA
 * provider when a GPU is usable, else the CPU) for frozen components given as {@code .onnx}
 * files, and {@link org.betty4j.runtime.onnx.OnnxExporter} for trained DJL blocks.
 */
package org.betty4j.runtime.onnx;
