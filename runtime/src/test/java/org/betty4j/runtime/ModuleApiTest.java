package org.betty4j.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.betty4j.runtime.engine.Engine;
import org.junit.jupiter.api.Test;

/**
 * The runtime's public API is what its module exports: the exported packages are the API
 * packages, each documented, and no public or protected member of an exported type mentions a
 * type of a package the module keeps to itself.
 */
class ModuleApiTest {

    private static final Set<String> API = Set.of("org.betty4j.runtime.autograd", "org.betty4j.runtime.cli",
            "org.betty4j.runtime.data", "org.betty4j.runtime.engine", "org.betty4j.runtime.hypergrad",
            "org.betty4j.runtime.metrics", "org.betty4j.runtime.onnx", "org.betty4j.runtime.optim",
            "org.betty4j.runtime.problem");

    private static Path classes() throws Exception {
        return Path.of(Engine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static ModuleDescriptor descriptor() throws Exception {
        return ModuleFinder.of(classes()).findAll().iterator().next().descriptor();
    }

    @Test
    void theModuleExportsExactlyTheApiPackagesAndEachIsDocumented() throws Exception {
        ModuleDescriptor module = descriptor();
        assertEquals("org.betty4j.runtime", module.name());
        Set<String> exported = module.exports().stream().filter(e -> !e.isQualified())
                .map(ModuleDescriptor.Exports::source).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(API), exported);
        Set<String> internal = new TreeSet<>(module.packages());
        internal.removeAll(exported);
        assertTrue(internal.contains("org.betty4j.runtime.hypergrad.internal"), internal.toString());
        for (String p : exported) {
            Path info = Path.of("src/main/java", p.replace('.', '/'), "package-info.java");
            assertTrue(Files.isRegularFile(info), "exported package " + p + " has no package-info.java");
        }
    }

    @Test
    void noExportedSignatureMentionsAnInternalType() throws Exception {
        Set<String> internal = new TreeSet<>(descriptor().packages());
        internal.removeAll(API);
        List<String> leaks = new ArrayList<>();
        int exportedTypes = 0;
        int internalTypes = 0;
        for (Class<?> type : publicTypes()) {
            if (!API.contains(type.getPackageName())) {
                internalTypes++;
                continue;
            }
            exportedTypes++;
            for (Method m : type.getDeclaredMethods()) {
                if (visible(m.getModifiers()) && !m.isSynthetic()) {
                    check(leaks, internal, type, m.getName(), m.getGenericReturnType());
                    for (Type t : m.getGenericParameterTypes()) {
                        check(leaks, internal, type, m.getName(), t);
                    }
                }
            }
            for (Constructor<?> c : type.getDeclaredConstructors()) {
                if (visible(c.getModifiers())) {
                    for (Type t : c.getGenericParameterTypes()) {
                        check(leaks, internal, type, "<init>", t);
                    }
                }
            }
            for (Field f : type.getDeclaredFields()) {
                if (visible(f.getModifiers())) {
                    check(leaks, internal, type, f.getName(), f.getGenericType());
                }
            }
            if (type.getSuperclass() != null) {
                check(leaks, internal, type, "extends", type.getGenericSuperclass());
            }
        }
        System.out.printf("runtime API: %d public types in %d exported packages; %d public types internal%n",
                exportedTypes, API.size(), internalTypes);
        assertTrue(leaks.isEmpty(), "exported signatures mention internal types: " + leaks);
    }

    private static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static void check(List<String> leaks, Set<String> internal, Class<?> owner, String member, Type t) {
        for (String name : t.getTypeName().split("[<>,\\[\\]\\s?&]+")) {
            int dot = name.lastIndexOf('.');
            if (dot > 0 && internal.contains(name.substring(0, dot).replaceAll("\\.[A-Z].*$", ""))) {
                leaks.add(owner.getName() + "." + member + ": " + name);
            }
        }
    }

    private static List<Class<?>> publicTypes() throws Exception {
        Path root = classes();
        List<Class<?>> types = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                String name = root.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
                if (name.contains("$") || name.endsWith("module-info") || name.endsWith("package-info")) {
                    continue;
                }
                Class<?> c = Class.forName(name, false, ModuleApiTest.class.getClassLoader());
                if (Modifier.isPublic(c.getModifiers())) {
                    types.add(c);
                }
            }
        } catch (IOException e) {
            throw e;
        }
        return types;
    }
}
