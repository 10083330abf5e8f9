package org.betty4j.runtime.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a checkpoint file holds, read and verified (every section's checksum) without a run:
 * to choose a checkpoint to resume from, or to check a run's options against it first.
 *
 * @param file the checkpoint file
 * @param program the name of the program that wrote it
 * @param globalStep the global step it was written after
 * @param problems the program's problems, in execution order
 * @param settings the run's settings when it was written (seed, iterations, per-problem schedule,
 *     method and learning rate), as {@link Engine#settingsChangedOnResume()} compares them
 */
public record CheckpointInfo(Path file, String program, int globalStep, List<String> problems,
        Map<String, String> settings) {

    public CheckpointInfo {
        problems = List.copyOf(problems);
        settings = Map.copyOf(settings);
    }

    /**
     * Reads and verifies {@code file}.
     *
     * @throws CheckpointException when it is damaged, truncated or no checkpoint of this format
     * @throws IOException when it cannot be read
     */
    public static CheckpointInfo read(Path file) throws IOException {
        Checkpoints.Parsed p = Checkpoints.parse(file);
        return new CheckpointInfo(file, p.program(), p.globalStep(), p.problems(), p.settings());
    }
}
