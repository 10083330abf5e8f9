package org.betty4j.processor.plan;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.betty4j.processor.graph.Edge;
import org.betty4j.processor.model.ProblemModel;
import org.betty4j.processor.model.ProgramModel;
import org.betty4j.processor.model.ResolvedDependency;

/**
 * A valid program, everything the generated wiring writes down.
 *
 * @param program the problems as written
 * @param top the problem with the highest level (alphabetically first simple name on ties);
 *     the wiring class is named after it
 * @param executionOrder problems sorted by (level, name)
 * @param constructionOrder problems in an order where constructor-injected problems come first
 * @param upperToLower sorted upper-to-lower edges {@code U -> L}
 * @param lowerToUpper sorted lower-to-upper edges {@code L -> U}
 * @param pathInterior names of problems that appear as {@code path[i]}, {@code 1 <= i <= len-2}
 * @param dependencies every resolved {@code @Upper}/{@code @Lower}
 */
public record ProgramPlan(ProgramModel program, ProblemModel top, List<ProblemModel> executionOrder,
        List<ProblemModel> constructionOrder, List<Edge> upperToLower, List<Edge> lowerToUpper,
        Set<String> pathInterior, List<ResolvedDependency> dependencies) {

    /** Simple name of the generated class. */
    public String engineSimpleName() {
        return top.simpleName() + "Engine";
    }

    /** Resolved dependencies declared by {@code owner}. */
    public List<ResolvedDependency> dependenciesOf(ProblemModel owner) {
        return dependencies.stream().filter(d -> d.owner().equals(owner)).toList();
    }

    /** Problems by qualified class name. */
    public Map<String, ProblemModel> byClass() {
        return program.problems().stream().collect(Collectors.toMap(ProblemModel::qualifiedName, p -> p));
    }
}
