package org.betty4j.runtime.engine;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A checkpoint file that cannot be used: damaged (a section fails its checksum), truncated,
 * not a checkpoint, of another format version, or of another program. The message names the
 * file, the section and what to do; {@link #damaged()} tells corruption (resume from an older
 * checkpoint) from a mismatch with the program being run (fix the program or the file).
 */
public final class CheckpointException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String section;
    private final boolean damaged;

    CheckpointException(Path file, String section, boolean damaged, String message) {
        super(message);
        this.file = file;
        this.section = section;
        this.damaged = damaged;
    }

    /** The checkpoint file. */
    public Path file() {
        return file;
    }

    /** The section the problem was found in (e.g. {@code header}, {@code Classifier parameter 'w'}). */
    public String section() {
        return section;
    }

    /**
     * True when the file's bytes are not what was written (checksum mismatch, truncation,
     * garbage): an older checkpoint of the same run may still be good. False when the file is
     * intact but does not fit this program.
     */
    public boolean damaged() {
        return damaged;
    }
}
