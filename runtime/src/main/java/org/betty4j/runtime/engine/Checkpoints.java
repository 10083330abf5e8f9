package org.betty4j.runtime.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.betty4j.runtime.autograd.GradMode;

/**
 * A whole run's state in one file: the global step and, per problem, its counters, readiness
 * flags, parameters, gradient-accumulation state, optimizer state and data position.
 *
 * <p>Written atomically: into a temporary file in the same directory, forced to disk, then
 * moved over the previous checkpoint, so a crash while writing leaves the previous one intact.
 * Arrays are stored bit-exactly (DJL's encoding), so a resumed run continues with exactly the
 * numbers the interrupted one had.
 */
final class Checkpoints {

    private static final String MAGIC = "betty4j-checkpoint";
    /** 2 adds the FLOAT16 loss scalers; version 1 files (without them) are still read: a scaler then starts afresh. */
    private static final int VERSION = 2;

    private Checkpoints() {}

    static void write(Path file, String programName, int globalStep, Map<String, ProblemState> states)
            throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE);
                    OutputStream os = Channels.newOutputStream(channel);
                    DataOutputStream out = new DataOutputStream(new BufferedOutputStream(os))) {
                out.writeUTF(MAGIC);
                out.writeInt(VERSION);
                out.writeUTF(programName);
                out.writeInt(globalStep);
                out.writeInt(states.size());
                for (ProblemState s : states.values()) {
                    writeProblem(out, s);
                }
                out.flush();
                channel.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void writeProblem(DataOutputStream out, ProblemState s) throws IOException {
        out.writeUTF(s.node.name());
        out.writeInt(s.localSteps);
        out.writeInt(s.skippedSteps);
        out.writeInt(s.ready.size());
        for (Map.Entry<String, Boolean> e : s.ready.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeBoolean(e.getValue());
        }
        writeArrays(out, s.params);
        NDList accumulated = s.accumulatedOrNull();
        out.writeInt(s.accumulatedSteps());
        writeArrays(out, accumulated == null ? new NDList() : accumulated);
        ByteArrayOutputStream optimizer = new ByteArrayOutputStream();
        try (DataOutputStream o = new DataOutputStream(optimizer)) {
            s.optimizer.saveState(o);
        }
        writeBytes(out, optimizer.toByteArray());
        writeBytes(out, s.data.saveState());
        out.writeBoolean(s.scaler != null);
        if (s.scaler != null) {
            s.scaler.saveState(out);
        }
    }

    /** Reads {@code file} into the freshly set-up {@code states}; returns the global step it was written after. */
    static int read(Path file, String programName, Map<String, ProblemState> states) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            int version;
            if (!MAGIC.equals(in.readUTF()) || (version = in.readInt()) < 1 || version > VERSION) {
                throw new IOException(file + " is not a betty4j checkpoint of version 1 to " + VERSION);
            }
            String savedProgram = in.readUTF();
            if (!savedProgram.equals(programName)) {
                throw new IOException(file + " is a checkpoint of program " + savedProgram + ", not " + programName);
            }
            int globalStep = in.readInt();
            int problems = in.readInt();
            if (problems != states.size()) {
                throw new IOException(file + " holds " + problems + " problems, the program has " + states.size());
            }
            for (int i = 0; i < problems; i++) {
                String name = in.readUTF();
                ProblemState s = states.get(name);
                if (s == null) {
                    throw new IOException(file + " holds problem " + name + ", which program " + programName
                            + " does not have; its problems are " + states.keySet());
                }
                readProblem(in, s, file, version);
            }
            return globalStep;
        }
    }

    private static void readProblem(DataInputStream in, ProblemState s, Path file, int version) throws IOException {
        s.localSteps = in.readInt();
        s.skippedSteps = in.readInt();
        int flags = in.readInt();
        for (int i = 0; i < flags; i++) {
            String lower = in.readUTF();
            boolean ready = in.readBoolean();
            if (!s.ready.containsKey(lower)) {
                throw new IOException(file + ": " + s.node.name() + " has no lower problem " + lower);
            }
            s.ready.put(lower, ready);
        }
        try (NDManager scratch = s.manager.newSubManager(); GradMode off = GradMode.disabled()) {
            NDList saved = readArrays(in, scratch);
            if (saved.size() != s.params.size()) {
                throw new IOException(file + ": " + s.node.name() + " had " + saved.size()
                        + " parameters, now " + s.params.size());
            }
            for (int i = 0; i < saved.size(); i++) {
                NDArray p = s.params.get(i);
                NDArray v = saved.get(i);
                if (!p.getShape().equals(v.getShape()) || p.getDataType() != v.getDataType()) {
                    throw new IOException(file + ": " + s.node.name() + " parameter '" + s.paramNames.get(i)
                            + "' was " + v.getShape() + " " + v.getDataType() + ", now " + p.getShape() + " "
                            + p.getDataType());
                }
                p.set(v.toByteBuffer());
            }
            int accumulatedSteps = in.readInt();
            s.restoreAccumulated(readArrays(in, scratch), accumulatedSteps);
        }
        try (DataInputStream o = new DataInputStream(new java.io.ByteArrayInputStream(readBytes(in)))) {
            s.optimizer.loadState(o, s.optimizerState);
        }
        s.data.restoreState(readBytes(in));
        boolean scaled = version >= 2 && in.readBoolean();
        if (scaled != (s.scaler != null) && version >= 2) {
            throw new IOException(file + ": " + s.node.name() + (scaled
                    ? " was saved with FLOAT16 loss scaling, which this run does not use"
                    : " was saved without loss scaling, which this run uses (FLOAT16 mixed precision)")
                    + "; resume with the run's settings");
        }
        if (scaled) {
            s.scaler.loadState(in);
        }
    }

    private static void writeArrays(DataOutputStream out, NDList arrays) throws IOException {
        out.writeInt(arrays.size());
        for (NDArray a : arrays) {
            writeBytes(out, a.encode());
        }
    }

    private static NDList readArrays(DataInputStream in, NDManager manager) throws IOException {
        int n = in.readInt();
        NDList out = new NDList(n);
        for (int i = 0; i < n; i++) {
            out.add(manager.decode(readBytes(in)));
        }
        return out;
    }

    private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        return bytes;
    }
}
