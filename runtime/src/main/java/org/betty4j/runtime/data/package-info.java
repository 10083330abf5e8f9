/**
 * Training data for problems: {@link org.betty4j.runtime.data.BatchSource} (endless, checkpointable
 * batches; {@link org.betty4j.runtime.data.BatchSource#none()} for a cost without data),
 * {@link org.betty4j.runtime.data.ArrayBatchSource} over in-memory arrays, and IDX image sets
 * ({@link org.betty4j.runtime.data.IdxFiles}, {@link org.betty4j.runtime.data.ImageSet}).
 */
package org.betty4j.runtime.data;
