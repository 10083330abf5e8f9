package org.betty4j.processor;

import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.JavaFileObject;

/**
 * Test fixtures: small programs under {@code src/test/resources/<kind>/<Case>/}. In a
 * {@code bad/} fixture every line the processor must report ends with {@code // <-- error}
 * ({@code // <-- error, error} for two errors on one line).
 */
final class Fixtures {

    static final String MARKER_START = "// <--";

    private Fixtures() {}

    /** A line that must carry an error. */
    record Marker(JavaFileObject file, long line) {}

    /** One fixture directory, its sources loaded. */
    record Fixture(String path, List<JavaFileObject> sources, List<Marker> markers) {

        Compilation compile() {
            return javac().withProcessors(new BettyProcessor()).compile(sources);
        }

        JavaFileObject file(String simpleName) {
            return sources.stream().filter(s -> s.getName().endsWith("/" + simpleName + ".java")).findFirst()
                    .orElseThrow(() -> new AssertionError(path + " has no " + simpleName + ".java"));
        }
    }

    static Fixture load(String path) {
        Path dir = resource(path);
        List<JavaFileObject> sources = new ArrayList<>();
        List<Marker> markers = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                JavaFileObject source = JavaFileObjects.forResource(file.toUri().toURL());
                sources.add(source);
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    int at = lines.get(i).indexOf(MARKER_START);
                    if (at >= 0) {
                        // "// <-- error" or, for two errors on one line, "// <-- error, error"
                        String rest = lines.get(i).substring(at + MARKER_START.length());
                        for (String ignored : rest.split(",")) {
                            markers.add(new Marker(source, i + 1));
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (sources.isEmpty()) {
            throw new AssertionError("fixture " + path + " has no .java files");
        }
        return new Fixture(path, sources, markers);
    }

    /** Names of the fixture directories under {@code kind} ("bad" or "good"), sorted. */
    static List<String> cases(String kind) {
        try (Stream<Path> dirs = Files.list(resource(kind))) {
            return dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path resource(String path) {
        URL url = Fixtures.class.getClassLoader().getResource(path);
        if (url == null) {
            throw new AssertionError("no test resource " + path);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
