package org.betty4j.runtime.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.betty4j.runtime.autograd.GradMode;

/**
 * A whole run's state in one file: the global step, the run's settings and, per problem, its
 * counters, readiness flags, parameters, gradient-accumulation state, optimizer state and data
 * position.
 *
 * <p>Format 2, every integer big-endian:
 * <pre>
 * preamble  "BETTY4J-CKPT" (12 ASCII bytes), int version, int CRC32C of those 16 bytes
 * section*  int length, int CRC32C(section index, length, payload), payload[length]
 * </pre>
 * Sections, in order: {@code header} (program, global step, number of sections, problem names,
 * settings); per problem {@code <P> engine state} (counters, readiness, accumulation count,
 * parameter names), one {@code <P> parameter '<name>'} per parameter and one
 * {@code <P> accumulated gradient <i>} per accumulated array (DJL's bit-exact array encoding),
 * {@code <P> optimizer state}, {@code <P> data position}, {@code <P> loss scaler} (empty
 * without FLOAT16 loss scaling); then {@code end}. The file must end
 * there.
 *
 * <p>Reading checks every length against the bytes left in the file before allocating and every
 * checksum before anything is applied, so a damaged file is one {@link CheckpointException}
 * naming the file and the section, never a partly restored run.
 *
 * <p>Written atomically: into a temporary file in the same directory, forced to disk, then
 * moved over the target, so a crash while writing leaves the previous checkpoint intact;
 * temporary files such a crash leaves behind are deleted by the next write into the directory.
 */
final class Checkpoints {

    static final int VERSION = 2;
    private static final byte[] MAGIC = "BETTY4J-CKPT".getBytes(StandardCharsets.US_ASCII);
    private static final int PREAMBLE = MAGIC.length + 8;
    /** What format 1 started with (a writeUTF of this string): recognised to say what it is. */
    private static final String FORMAT_1_MAGIC = "betty4j-checkpoint";
    /** Suffix of the temporary files of a write in progress. */
    static final String TEMP_SUFFIX = ".betty4j-tmp";
    private static final String WHAT_TO_DO = "do not resume from it: resume from an older checkpoint of the run"
            + " (the generated main's --resume falls back to the previous one by itself) or start afresh";

    private Checkpoints() {}

    static void write(Path file, String programName, int globalStep, Map<String, String> settings,
            Map<String, ProblemState> states) throws IOException {
        List<byte[]> sections = new ArrayList<>();
        sections.add(null); // the header, once the number of sections is known
        for (ProblemState s : states.values()) {
            addProblem(sections, s);
        }
        sections.add(end(sections.size() + 1));
        sections.set(0, header(programName, globalStep, sections.size(), states, settings));

        // only now that every state could be saved: nothing is created for a program that cannot be checkpointed
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        deleteStaleTemporaries(dir);

        Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", TEMP_SUFFIX);
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer preamble = ByteBuffer.allocate(PREAMBLE);
                preamble.put(MAGIC).putInt(VERSION);
                preamble.putInt(crc(preamble.array(), 0, MAGIC.length + 4));
                writeFully(channel, preamble.flip());
                for (int i = 0; i < sections.size(); i++) {
                    byte[] payload = sections.get(i);
                    ByteBuffer head = ByteBuffer.allocate(8);
                    head.putInt(payload.length).putInt(sectionCrc(i, payload, 0, payload.length));
                    writeFully(channel, head.flip());
                    writeFully(channel, ByteBuffer.wrap(payload));
                }
                channel.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Temporary files of writes that never finished (the process was killed mid-write). */
    static void deleteStaleTemporaries(Path dir) throws IOException {
        try (DirectoryStream<Path> stale = Files.newDirectoryStream(dir, ".*" + TEMP_SUFFIX)) {
            for (Path p : stale) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static byte[] header(String programName, int globalStep, int sectionCount, Map<String, ProblemState> states,
            Map<String, String> settings) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(programName);
            out.writeInt(globalStep);
            out.writeInt(sectionCount);
            out.writeInt(states.size());
            for (String name : states.keySet()) {
                out.writeUTF(name);
            }
            out.writeInt(settings.size());
            for (Map.Entry<String, String> e : settings.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeUTF(e.getValue());
            }
        }
        return bytes.toByteArray();
    }

    private static byte[] end(int sectionCount) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write("END".getBytes(StandardCharsets.US_ASCII));
            out.writeInt(sectionCount);
        }
        return bytes.toByteArray();
    }

    private static void addProblem(List<byte[]> sections, ProblemState s) throws IOException {
        NDList accumulated = s.accumulatedOrNull();
        ByteArrayOutputStream counters = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(counters)) {
            out.writeInt(s.localSteps);
            out.writeInt(s.skippedSteps);
            out.writeInt(s.ready.size());
            for (Map.Entry<String, Boolean> e : s.ready.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeBoolean(e.getValue());
            }
            out.writeInt(s.accumulatedSteps());
            out.writeInt(s.paramNames.size());
            for (String name : s.paramNames) {
                out.writeUTF(name);
            }
            out.writeInt(accumulated == null ? 0 : accumulated.size());
        }
        sections.add(counters.toByteArray());
        for (NDArray p : s.params) {
            sections.add(p.encode());
        }
        if (accumulated != null) {
            for (NDArray a : accumulated) {
                sections.add(a.encode());
            }
        }
        ByteArrayOutputStream optimizer = new ByteArrayOutputStream();
        try (DataOutputStream o = new DataOutputStream(optimizer)) {
            s.optimizer.saveState(o);
        }
        sections.add(optimizer.toByteArray());
        sections.add(s.data.saveState());
        ByteArrayOutputStream scaler = new ByteArrayOutputStream();
        if (s.scaler != null) {
            try (DataOutputStream o = new DataOutputStream(scaler)) {
                s.scaler.saveState(o);
            }
        }
        sections.add(scaler.toByteArray());
    }

    /** A checkpoint whose every section passed its checksum; nothing applied yet. */
    record Parsed(Path file, String program, int globalStep, List<String> problems, Map<String, String> settings,
            List<ProblemSections> perProblem) {}

    /** One problem's verified sections. */
    record ProblemSections(String name, int localSteps, int skippedSteps, Map<String, Boolean> ready,
            int accumulatedSteps, List<String> paramNames, List<byte[]> params, List<byte[]> accumulated,
            byte[] optimizer, byte[] data, byte[] scaler) {}

    /** Reads and verifies {@code file} without applying it. */
    static Parsed parse(Path file) throws IOException {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > Integer.MAX_VALUE - 64) {
                throw new CheckpointException(file, "file", false, "checkpoint " + file + " is " + size
                        + " bytes, more than this reader can hold (2 GiB)");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "checkpoint file not found");
        }
        return parse(file, bytes);
    }

    /** Verifies a checkpoint's bytes as read from {@code file} (named in errors). */
    static Parsed parse(Path file, byte[] bytes) throws CheckpointException {
        return new Reader(file, bytes).parse();
    }

    /** Reads {@code file} into the freshly set-up {@code states}; returns what it held. */
    static Parsed read(Path file, String programName, Map<String, ProblemState> states) throws IOException {
        Parsed parsed = parse(file);
        if (!parsed.program().equals(programName)) {
            throw new CheckpointException(file, "header", false, "checkpoint " + file + " was written by program "
                    + parsed.program() + ", not " + programName + "; resume it with that program");
        }
        if (!parsed.problems().equals(new ArrayList<>(states.keySet()))) {
            throw new CheckpointException(file, "header", false, "checkpoint " + file + " holds problems "
                    + parsed.problems() + ", program " + programName + " has " + states.keySet()
                    + "; the program changed since the checkpoint was written, so it cannot be resumed");
        }
        for (ProblemSections p : parsed.perProblem()) {
            apply(file, p, states.get(p.name()));
        }
        return parsed;
    }

    private static void apply(Path file, ProblemSections saved, ProblemState s) throws IOException {
        String engineSection = saved.name() + " engine state";
        if (!saved.ready().keySet().equals(s.ready.keySet())) {
            throw mismatch(file, engineSection, saved.name() + " waits for lower problems " + saved.ready().keySet()
                    + " in the checkpoint, " + s.ready.keySet() + " now");
        }
        if (!saved.paramNames().equals(s.paramNames)) {
            throw mismatch(file, engineSection, saved.name() + " had parameters " + saved.paramNames()
                    + ", now " + s.paramNames);
        }
        s.localSteps = saved.localSteps();
        s.skippedSteps = saved.skippedSteps();
        s.ready.putAll(saved.ready());
        try (NDManager scratch = s.manager.newSubManager(); GradMode off = GradMode.disabled()) {
            for (int i = 0; i < saved.params().size(); i++) {
                String section = saved.name() + " parameter '" + s.paramNames.get(i) + "'";
                NDArray v = decode(file, section, scratch, saved.params().get(i));
                NDArray p = s.params.get(i);
                if (!p.getShape().equals(v.getShape()) || p.getDataType() != v.getDataType()) {
                    throw mismatch(file, section, "was " + v.getShape() + " " + v.getDataType() + ", now "
                            + p.getShape() + " " + p.getDataType());
                }
                p.set(v.toByteBuffer());
            }
            NDList accumulated = new NDList();
            for (int i = 0; i < saved.accumulated().size(); i++) {
                accumulated.add(decode(file, saved.name() + " accumulated gradient " + i, scratch,
                        saved.accumulated().get(i)));
            }
            s.restoreAccumulated(accumulated, saved.accumulatedSteps());
        }
        String optimizerSection = saved.name() + " optimizer state";
        try (DataInputStream o = new DataInputStream(new ByteArrayInputStream(saved.optimizer()))) {
            s.optimizer.loadState(o, s.optimizerState);
        } catch (IOException | RuntimeException e) {
            throw mismatch(file, optimizerSection, "the optimizer " + s.optimizer.getClass().getSimpleName()
                    + " cannot read it (" + e + "); was the problem's optimizer changed?");
        }
        try {
            s.data.restoreState(saved.data());
        } catch (RuntimeException e) {
            throw mismatch(file, saved.name() + " data position", "the data source "
                    + s.data.getClass().getSimpleName() + " cannot read it (" + e.getMessage()
                    + "); was the problem's data changed?");
        }
        // an empty section: the problem ran without FLOAT16 loss scaling
        String scalerSection = saved.name() + " loss scaler";
        boolean scaled = saved.scaler().length > 0;
        if (scaled != (s.scaler != null)) {
            throw mismatch(file, scalerSection, saved.name() + (scaled
                    ? " was saved with FLOAT16 loss scaling, which this run does not use"
                    : " was saved without loss scaling, which this run uses (FLOAT16 mixed precision)")
                    + "; resume with the run's settings");
        }
        if (scaled) {
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(saved.scaler()))) {
                s.scaler.loadState(in);
            } catch (IOException e) {
                throw mismatch(file, scalerSection, e.getMessage());
            }
        }
    }

    private static NDArray decode(Path file, String section, NDManager manager, byte[] bytes)
            throws CheckpointException {
        try {
            return manager.decode(bytes);
        } catch (RuntimeException e) {
            throw mismatch(file, section, "its array cannot be decoded (" + e.getMessage() + ")");
        }
    }

    private static CheckpointException mismatch(Path file, String section, String what) {
        return new CheckpointException(file, section, false, "checkpoint " + file + ", section " + section + ": "
                + what + "; the program no longer matches the one that wrote the checkpoint");
    }

    private static int crc(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }

    private static int sectionCrc(int index, byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(8).putInt(index).putInt(length).flip());
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }

    /** Walks a file's sections, verifying each before it is interpreted. */
    private static final class Reader {
        private final Path file;
        private final byte[] bytes;
        private int position;
        private int index;
        private int sectionCount = -1;

        Reader(Path file, byte[] bytes) {
            this.file = file;
            this.bytes = bytes;
        }

        Parsed parse() throws CheckpointException {
            preamble();
            DataInputStream header = next("header");
            String program = readUtf(header, "header");
            int globalStep = readInt(header, "header");
            sectionCount = readInt(header, "header");
            int problems = readInt(header, "header");
            List<String> names = new ArrayList<>();
            for (int i = 0; i < problems; i++) {
                names.add(readUtf(header, "header"));
            }
            int settingCount = readInt(header, "header");
            Map<String, String> settings = new LinkedHashMap<>();
            for (int i = 0; i < settingCount; i++) {
                settings.put(readUtf(header, "header"), readUtf(header, "header"));
            }
            List<ProblemSections> perProblem = new ArrayList<>();
            for (String name : names) {
                perProblem.add(problem(name));
            }
            DataInputStream end = next("end");
            byte[] tag = new byte[3];
            readFully(end, tag, "end");
            if (!"END".equals(new String(tag, StandardCharsets.US_ASCII)) || readInt(end, "end") != sectionCount
                    || index != sectionCount) {
                throw damagedContent("end", "holds an end marker that does not match the header's " + sectionCount + " sections");
            }
            if (position != bytes.length) {
                throw damagedContent("end", "is followed by " + (bytes.length - position) + " unexpected bytes");
            }
            return new Parsed(file, program, globalStep, List.copyOf(names), settings, perProblem);
        }

        private void preamble() throws CheckpointException {
            if (bytes.length >= 2 + FORMAT_1_MAGIC.length() && bytes[0] == 0 && bytes[1] == FORMAT_1_MAGIC.length()
                    && FORMAT_1_MAGIC.equals(new String(bytes, 2, FORMAT_1_MAGIC.length(), StandardCharsets.US_ASCII))) {
                throw new CheckpointException(file, "preamble", false, "checkpoint " + file + " has format 1 (no"
                        + " checksums), written by an older Betty for Java; this version reads format " + VERSION
                        + " only: start the run afresh");
            }
            if (bytes.length < PREAMBLE || !java.util.Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
                boolean shortFile = bytes.length < PREAMBLE;
                throw new CheckpointException(file, "preamble", true, "checkpoint " + file + (shortFile
                        ? " is " + bytes.length + " bytes, too short for the preamble of a checkpoint"
                        : ": its preamble does not start with " + new String(MAGIC, StandardCharsets.US_ASCII)
                                + ", so it is no Betty for Java checkpoint or its first bytes are damaged")
                        + "; " + WHAT_TO_DO);
            }
            ByteBuffer b = ByteBuffer.wrap(bytes, MAGIC.length, 8);
            int version = b.getInt();
            int stored = b.getInt();
            int computed = crc(bytes, 0, MAGIC.length + 4);
            if (stored != computed) {
                throw new CheckpointException(file, "preamble", true, String.format("checkpoint %s is damaged: its"
                        + " preamble (bytes 0..%d) fails its CRC32C check (stored 0x%08x, computed 0x%08x); %s", file,
                        PREAMBLE - 1, stored, computed, WHAT_TO_DO));
            }
            if (version != VERSION) {
                throw new CheckpointException(file, "preamble", false, "checkpoint " + file + " has format " + version
                        + "; this version of Betty for Java reads format " + VERSION + " only");
            }
            position = PREAMBLE;
        }

        private ProblemSections problem(String name) throws CheckpointException {
            String section = name + " engine state";
            DataInputStream in = next(section);
            int localSteps = readInt(in, section);
            int skippedSteps = readInt(in, section);
            int flags = readInt(in, section);
            checkCount(flags, section, "readiness flags");
            Map<String, Boolean> ready = new LinkedHashMap<>();
            for (int i = 0; i < flags; i++) {
                ready.put(readUtf(in, section), readBoolean(in, section));
            }
            int accumulatedSteps = readInt(in, section);
            int paramCount = readInt(in, section);
            checkCount(paramCount, section, "parameters");
            List<String> paramNames = new ArrayList<>();
            for (int i = 0; i < paramCount; i++) {
                paramNames.add(readUtf(in, section));
            }
            int accumulatedCount = readInt(in, section);
            checkCount(accumulatedCount, section, "accumulated gradients");
            List<byte[]> params = new ArrayList<>();
            for (String p : paramNames) {
                params.add(payload(name + " parameter '" + p + "'"));
            }
            List<byte[]> accumulated = new ArrayList<>();
            for (int i = 0; i < accumulatedCount; i++) {
                accumulated.add(payload(name + " accumulated gradient " + i));
            }
            byte[] optimizer = payload(name + " optimizer state");
            byte[] data = payload(name + " data position");
            byte[] scaler = payload(name + " loss scaler");
            return new ProblemSections(name, localSteps, skippedSteps, ready, accumulatedSteps, paramNames, params,
                    accumulated, optimizer, data, scaler);
        }

        /** A count read from a verified section still cannot exceed the sections the header announced. */
        private void checkCount(int count, String section, String what) throws CheckpointException {
            if (count < 0 || count > sectionCount) {
                throw damagedContent(section, "declares " + count + " " + what + ", impossible in a file of "
                        + sectionCount + " sections");
            }
        }

        private DataInputStream next(String name) throws CheckpointException {
            return new DataInputStream(new ByteArrayInputStream(payload(name)));
        }

        /** The next section's payload, after its length and checksum were checked. */
        private byte[] payload(String name) throws CheckpointException {
            if (sectionCount >= 0 && index >= sectionCount) {
                throw damaged(name, "is missing: the header announces " + sectionCount + " sections, fewer than its problems need");
            }
            int start = position;
            if (bytes.length - position < 8) {
                throw damaged(name, "is cut short: the file ends " + (bytes.length - position) + " bytes into the section's"
                        + " 8-byte length and checksum, at byte " + bytes.length + " (truncated"
                        + (sectionCount >= 0 ? " after section " + index + " of " + sectionCount : "") + ")");
            }
            ByteBuffer head = ByteBuffer.wrap(bytes, position, 8);
            int length = head.getInt();
            int stored = head.getInt();
            position += 8;
            if (length < 0 || length > bytes.length - position) {
                throw damaged(name, "declares " + length + " bytes at byte " + start + ", but "
                        + (bytes.length - position) + " bytes are left in the file (truncated, or its length is damaged)");
            }
            int computed = sectionCrc(index, bytes, position, length);
            if (stored != computed) {
                throw damaged(name, String.format("bytes %d..%d fail their CRC32C check (stored 0x%08x, computed"
                        + " 0x%08x)", start, position + length - 1, stored, computed));
            }
            byte[] payload = java.util.Arrays.copyOfRange(bytes, position, position + length);
            position += length;
            index++;
            return payload;
        }

        /** The section being read (not yet verified) is damaged. */
        private CheckpointException damaged(String section, String what) {
            return damagedAt(index, section, what);
        }

        /** The section just verified holds contents that do not parse. */
        private CheckpointException damagedContent(String section, String what) {
            return damagedAt(index - 1, section, what);
        }

        private CheckpointException damagedAt(int at, String section, String what) {
            return new CheckpointException(file, section, true, "checkpoint " + file + " is damaged: section "
                    + at + " (" + section + ") " + what + "; " + WHAT_TO_DO);
        }

        // a verified section whose contents still do not parse was written wrongly: report it, never throw raw

        private int readInt(DataInputStream in, String section) throws CheckpointException {
            try {
                return in.readInt();
            } catch (IOException e) {
                throw damagedContent(section, "is shorter than its contents need");
            }
        }

        private boolean readBoolean(DataInputStream in, String section) throws CheckpointException {
            try {
                return in.readBoolean();
            } catch (IOException e) {
                throw damagedContent(section, "is shorter than its contents need");
            }
        }

        private String readUtf(DataInputStream in, String section) throws CheckpointException {
            try {
                return in.readUTF();
            } catch (IOException e) {
                throw damagedContent(section, "holds a malformed name (" + e.getMessage() + ")");
            }
        }

        private void readFully(DataInputStream in, byte[] into, String section) throws CheckpointException {
            try {
                in.readFully(into);
            } catch (IOException e) {
                throw damagedContent(section, "is shorter than its contents need");
            }
        }
    }
}
