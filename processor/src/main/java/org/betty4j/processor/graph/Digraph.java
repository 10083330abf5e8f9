package org.betty4j.processor.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A small directed graph over names with deterministic algorithms: every iteration goes in
 * alphabetical order, so the processor's output and messages do not depend on hash order.
 */
public final class Digraph {

    private final TreeMap<String, TreeSet<String>> successors = new TreeMap<>();

    public Digraph(Collection<String> nodes, Collection<Edge> edges) {
        nodes.forEach(n -> successors.put(n, new TreeSet<>()));
        for (Edge e : edges) {
            successors.computeIfAbsent(e.from(), k -> new TreeSet<>()).add(e.to());
            successors.computeIfAbsent(e.to(), k -> new TreeSet<>());
        }
    }

    public SortedSet<String> nodes() {
        return new TreeSet<>(successors.keySet());
    }

    public SortedSet<String> successors(String node) {
        return successors.getOrDefault(node, new TreeSet<>());
    }

    /**
     * One cycle per strongly connected component that has one (a self-loop counts), as a
     * closed path {@code [a, b, ..., a]}: it starts at the component's alphabetically smallest
     * node and is the shortest cycle through it (ties broken alphabetically). Cycles are
     * sorted by their first node.
     */
    public List<List<String>> cycles() {
        List<List<String>> out = new ArrayList<>();
        for (SortedSet<String> component : stronglyConnectedComponents()) {
            String start = component.first();
            boolean cyclic = component.size() > 1 || successors(start).contains(start);
            if (cyclic) {
                out.add(shortestCycleThrough(start, component));
            }
        }
        out.sort((a, b) -> a.get(0).compareTo(b.get(0)));
        return out;
    }

    private List<String> shortestCycleThrough(String start, Set<String> within) {
        // breadth-first from start's successors back to start, staying inside the component
        Map<String, String> parent = new HashMap<>();
        Deque<String> queue = new ArrayDeque<>();
        for (String s : successors(start)) {
            if (s.equals(start)) {
                return List.of(start, start);
            }
            if (within.contains(s) && !parent.containsKey(s)) {
                parent.put(s, start);
                queue.add(s);
            }
        }
        while (!queue.isEmpty()) {
            String node = queue.poll();
            for (String s : successors(node)) {
                if (s.equals(start)) {
                    List<String> cycle = new ArrayList<>();
                    cycle.add(start);
                    for (String n = node; !n.equals(start); n = parent.get(n)) {
                        cycle.add(1, n);
                    }
                    cycle.add(start);
                    return cycle;
                }
                if (within.contains(s) && !parent.containsKey(s)) {
                    parent.put(s, node);
                    queue.add(s);
                }
            }
        }
        throw new IllegalStateException("no cycle through " + start + " in its strongly connected component");
    }

    /** Tarjan's algorithm; components as sorted sets, in no particular order. */
    public List<SortedSet<String>> stronglyConnectedComponents() {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new java.util.HashSet<>();
        List<SortedSet<String>> out = new ArrayList<>();
        int[] counter = {0};
        for (String node : successors.keySet()) {
            if (!index.containsKey(node)) {
                strongConnect(node, index, low, stack, onStack, out, counter);
            }
        }
        return out;
    }

    private void strongConnect(String v, Map<String, Integer> index, Map<String, Integer> low, Deque<String> stack,
            Set<String> onStack, List<SortedSet<String>> out, int[] counter) {
        index.put(v, counter[0]);
        low.put(v, counter[0]);
        counter[0]++;
        stack.push(v);
        onStack.add(v);
        for (String w : successors(v)) {
            if (!index.containsKey(w)) {
                strongConnect(w, index, low, stack, onStack, out, counter);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            SortedSet<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            out.add(component);
        }
    }

    /**
     * Connected components with edge directions ignored, each sorted, listed by their smallest
     * node.
     */
    public List<SortedSet<String>> weaklyConnectedComponents() {
        Map<String, String> parent = new LinkedHashMap<>();
        successors.keySet().forEach(n -> parent.put(n, n));
        successors.forEach((from, tos) -> tos.forEach(to -> union(parent, from, to)));
        TreeMap<String, SortedSet<String>> byRoot = new TreeMap<>();
        for (String n : successors.keySet()) {
            byRoot.computeIfAbsent(find(parent, n), k -> new TreeSet<>()).add(n);
        }
        List<SortedSet<String>> out = new ArrayList<>(byRoot.values());
        out.sort((a, b) -> a.first().compareTo(b.first()));
        return out;
    }

    private static String find(Map<String, String> parent, String n) {
        String root = n;
        while (!parent.get(root).equals(root)) {
            root = parent.get(root);
        }
        return root;
    }

    private static void union(Map<String, String> parent, String a, String b) {
        String ra = find(parent, a);
        String rb = find(parent, b);
        if (!ra.equals(rb)) {
            // the smaller name becomes the root, which keeps the result independent of edge order
            if (ra.compareTo(rb) < 0) {
                parent.put(rb, ra);
            } else {
                parent.put(ra, rb);
            }
        }
    }

    /**
     * A topological order of an acyclic graph (edges point from what must come first), taking
     * among the ready nodes the one earliest in {@code priority}.
     */
    public List<String> topologicalOrder(List<String> priority) {
        Map<String, Integer> inDegree = new HashMap<>();
        successors.keySet().forEach(n -> inDegree.put(n, 0));
        successors.values().forEach(tos -> tos.forEach(t -> inDegree.merge(t, 1, Integer::sum)));
        List<String> order = new ArrayList<>();
        List<String> remaining = new ArrayList<>(priority);
        successors.keySet().stream().filter(n -> !remaining.contains(n)).forEach(remaining::add);
        while (!remaining.isEmpty()) {
            String next = remaining.stream().filter(n -> inDegree.get(n) == 0).findFirst()
                    .orElseThrow(() -> new IllegalStateException("graph has a cycle among " + remaining));
            remaining.remove(next);
            order.add(next);
            successors(next).forEach(t -> inDegree.merge(t, -1, Integer::sum));
        }
        return order;
    }
}
