package org.betty4j.processor.graph;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which nodes of an acyclic graph reach which: one bit set per node, filled in reverse
 * topological order, so building it costs O(nodes x edges / 64) and a query O(1), whatever
 * the number of paths.
 */
public final class Reachability {

    private final Map<String, Integer> index = new HashMap<>();
    private final BitSet[] reach;

    /** @throws IllegalStateException if the graph has a cycle */
    public Reachability(Digraph acyclic) {
        List<String> nodes = new ArrayList<>(acyclic.nodes());
        for (int i = 0; i < nodes.size(); i++) {
            index.put(nodes.get(i), i);
        }
        reach = new BitSet[nodes.size()];
        List<String> order = acyclic.topologicalOrder(List.of());
        for (int k = order.size() - 1; k >= 0; k--) {
            String node = order.get(k);
            BitSet r = new BitSet(nodes.size());
            r.set(index.get(node));
            for (String next : acyclic.successors(node)) {
                r.or(reach[index.get(next)]);
            }
            reach[index.get(node)] = r;
        }
    }

    /** Whether a directed path leads from {@code from} to {@code to}; every node reaches itself. */
    public boolean reaches(String from, String to) {
        return reach[index.get(from)].get(index.get(to));
    }
}
