/**
 * Exact gradients on DJL: {@link org.betty4j.runtime.autograd.Autograd}, the one facade every
 * gradient of the runtime goes through (libtorch's functional {@code torch.autograd.grad}, so
 * second-order products are exact and leak-free), {@link org.betty4j.runtime.autograd.GradMode}
 * to switch recording off, {@link org.betty4j.runtime.autograd.MixedPrecision} for layers that
 * compute in a narrower type than their FLOAT32 parameters, and
 * {@link org.betty4j.runtime.autograd.ClosedArrayBuffers} for autograd code outside the engine.
 */
package org.betty4j.runtime.autograd;
