package org.betty4j.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.betty4j.processor.graph.Digraph;
import org.betty4j.processor.graph.Edge;
import org.junit.jupiter.api.Test;

/**
 * The processor's packages depend on each other without cycles (model, report, graph,
 * validate, plan, generate, and the processor itself on top), read from the imports and
 * qualified names of the main sources.
 */
class PackageDependenciesTest {

    private static final String ROOT = "org.betty4j.processor";
    private static final Pattern REFERENCE = Pattern.compile("\\b" + Pattern.quote(ROOT) + "((?:\\.[a-z]+)*)\\.[A-Z]");

    @Test
    void processorPackagesAreAcyclic() throws IOException {
        Set<String> packages = new TreeSet<>();
        List<Edge> uses = new ArrayList<>();
        Path sources = Path.of("src/main/java/org/betty4j/processor");
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String from = ROOT + packageSuffix(sources.relativize(file.getParent()));
                packages.add(from);
                // a class name inside a string literal is text, not a dependency
                String code = Files.readString(file).replaceAll("\"(?:[^\"\\\\\n]|\\\\.)*\"", "\"\"");
                Matcher m = REFERENCE.matcher(code);
                while (m.find()) {
                    String to = ROOT + m.group(1);
                    if (!to.equals(from)) {
                        uses.add(new Edge(from, to));
                    }
                }
            }
        }
        assertTrue(packages.size() >= 6, "packages found: " + packages);
        assertEquals(List.of(), new Digraph(packages, uses).cycles(), "package cycles");
    }

    private static String packageSuffix(Path relative) {
        String s = relative.toString().replace('/', '.').replace('\\', '.');
        return s.isEmpty() ? "" : "." + s;
    }
}
