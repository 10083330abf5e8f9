package org.betty4j.processor.model;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * All {@code @Level} classes of one Java package: one multilevel program.
 *
 * @param packageName the package
 * @param problems the problems, sorted by qualified class name
 */
public record ProgramModel(String packageName, List<ProblemModel> problems) {

    public ProgramModel {
        problems = problems.stream().sorted(Comparator.comparing(ProblemModel::qualifiedName)).toList();
    }

    /** Execution order: by level, then by name. */
    public static final Comparator<ProblemModel> EXECUTION_ORDER =
            Comparator.comparingInt(ProblemModel::level).thenComparing(ProblemModel::name);

    /** The problem with the highest level; on ties the alphabetically first simple class name. */
    public ProblemModel top() {
        return problems.stream()
                .min(Comparator.comparingInt(ProblemModel::level).reversed().thenComparing(ProblemModel::simpleName))
                .orElseThrow();
    }

    /** The problem declared by class {@code qualifiedName} in this package, if any. */
    public Optional<ProblemModel> byClass(String qualifiedName) {
        return problems.stream().filter(p -> p.qualifiedName().equals(qualifiedName)).findFirst();
    }

    /** Problems by name; with duplicate names the first class (by qualified name) wins. */
    public Map<String, ProblemModel> byName() {
        Map<String, ProblemModel> out = new LinkedHashMap<>();
        problems.forEach(p -> out.putIfAbsent(p.name(), p));
        return out;
    }
}
