package org.betty4j.runtime.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A text file of records, one per line, that a killed process never leaves torn: each line is
 * one write of its bytes to a file opened for appending, so a kill leaves either the whole
 * line or (at worst, on a crash of the machine) an unterminated tail, which {@link #resume}
 * drops. Resuming a run keeps the lines up to the step it resumes from and appends after them,
 * so the file holds each step once.
 */
public final class LineFile implements AutoCloseable {

    private final Path file;
    private final FileChannel channel;

    private LineFile(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** A new, empty file (replacing any there); parent directories are created. */
    public static LineFile create(Path file) throws IOException {
        createParent(file);
        Files.write(file, new byte[0]);
        return new LineFile(file, FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND));
    }

    /**
     * Continues {@code file}: keeps its complete lines (ending in a newline) that {@code keep}
     * accepts, in order, drops the others and any unterminated tail (the file is rewritten
     * atomically), then appends after them. A missing file starts empty.
     *
     * @return the file, and how many lines were dropped in {@link #dropped()}
     */
    public static Resumed resume(Path file, Predicate<String> keep) throws IOException {
        createParent(file);
        deleteStaleTemporaries(file);
        int dropped = 0;
        if (Files.exists(file)) {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n') + 1;
            if (end < text.length()) {
                dropped++; // a torn last line
            }
            List<String> kept = new ArrayList<>();
            for (String line : text.substring(0, end).split("\n", -1)) {
                if (line.isEmpty()) {
                    continue;
                }
                if (keep.test(line)) {
                    kept.add(line);
                } else {
                    dropped++;
                }
            }
            StringBuilder out = new StringBuilder();
            kept.forEach(l -> out.append(l).append('\n'));
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), tempPrefix(file), TEMP_SUFFIX);
            try {
                Files.writeString(tmp, out, StandardCharsets.UTF_8);
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        LineFile lines = new LineFile(file, FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND));
        return new Resumed(lines, dropped);
    }

    private static final String TEMP_SUFFIX = ".betty4j-tmp";

    private static String tempPrefix(Path file) {
        return "." + file.getFileName() + ".";
    }

    /** Rewrites of {@code file} that a kill interrupted. */
    private static void deleteStaleTemporaries(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        String prefix = tempPrefix(file);
        try (java.nio.file.DirectoryStream<Path> stale = Files.newDirectoryStream(dir,
                p -> p.getFileName().toString().startsWith(prefix) && p.getFileName().toString().endsWith(TEMP_SUFFIX))) {
            for (Path p : stale) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** A resumed file and the number of lines dropped from it. */
    public record Resumed(LineFile file, int dropped) {}

    private static void createParent(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
    }

    public Path path() {
        return file;
    }

    /** Appends {@code line} and a newline in one write. */
    public void append(String line) {
        if (line.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("a record must be one line, got: " + line);
        }
        ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        try {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** True when the file has no lines yet (to write a header once). */
    public boolean isEmpty() {
        try {
            return channel.size() == 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file + ": " + e.getMessage(), e);
        }
    }
}
