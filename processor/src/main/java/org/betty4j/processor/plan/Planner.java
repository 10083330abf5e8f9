package org.betty4j.processor.plan;

import java.util.ArrayList;
import java.util.List;
import org.betty4j.processor.graph.Digraph;
import org.betty4j.processor.graph.Edge;
import org.betty4j.processor.graph.ProgramGraph;
import org.betty4j.processor.graph.Reachability;
import org.betty4j.processor.model.ProblemModel;
import org.betty4j.processor.model.ProgramModel;
import org.betty4j.processor.model.ResolvedDependency;

/**
 * Plan stage: turns a program the validators accepted into the {@link ProgramPlan} the
 * generator writes down. It judges nothing; on an invalid program its result is undefined.
 */
public final class Planner {

    private Planner() {}

    public static ProgramPlan plan(ProgramModel program, List<ResolvedDependency> dependencies) {
        ProgramGraph graph = ProgramGraph.of(program, dependencies);
        List<ProblemModel> executionOrder = program.problems().stream().sorted(ProgramModel.EXECUTION_ORDER).toList();
        return new ProgramPlan(program, program.top(), executionOrder,
                constructionOrder(program, executionOrder, dependencies), graph.upperToLower(), graph.lowerToUpper(),
                graph.pathInterior(new Reachability(graph.lowerToUpperGraph())), dependencies);
    }

    /** Problems a constructor needs come first; among the ready ones, execution order. */
    private static List<ProblemModel> constructionOrder(ProgramModel program, List<ProblemModel> executionOrder,
            List<ResolvedDependency> dependencies) {
        List<String> names = executionOrder.stream().map(ProblemModel::name).toList();
        List<Edge> firstThen = new ArrayList<>();
        Digraph needs = ProgramGraph.constructorNeeds(program, dependencies);
        for (String owner : needs.nodes()) {
            needs.successors(owner).forEach(needed -> firstThen.add(new Edge(needed, owner)));
        }
        return new Digraph(names, firstThen).topologicalOrder(names).stream()
                .map(n -> program.byName().get(n)).toList();
    }
}
