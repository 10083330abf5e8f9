package org.betty4j.runtime.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;

/**
 * A program's dataflow graph as inline SVG: one row per level, the highest on top; solid
 * arrows for lower-to-upper edges (an optimum used above), dashed ones for upper-to-lower
 * edges (current parameters used below), drawn side by side when both join the same pair.
 */
final class ProgramGraphSvg {

    private static final int BOX_W = 170;
    private static final int BOX_H = 44;
    private static final int GAP_X = 50;
    private static final int ROW_H = 110;
    private static final int MARGIN = 20;

    private ProgramGraphSvg() {}

    private record Box(double x, double y) {
        double cx() {
            return x + BOX_W / 2.0;
        }
    }

    static String svg(Program program) {
        Map<Integer, List<ProblemNode>> levels = new TreeMap<>();
        program.problems().forEach(p -> levels.computeIfAbsent(p.level(), k -> new ArrayList<>()).add(p));
        int widest = levels.values().stream().mapToInt(List::size).max().orElse(1);
        int width = 2 * MARGIN + widest * BOX_W + (widest - 1) * GAP_X;
        int height = 2 * MARGIN + (levels.size() - 1) * ROW_H + BOX_H;
        Map<String, Box> boxes = new HashMap<>();
        int row = levels.size() - 1;
        for (List<ProblemNode> level : levels.values()) {
            double rowWidth = level.size() * BOX_W + (level.size() - 1) * GAP_X;
            double x = (width - rowWidth) / 2;
            for (ProblemNode p : level) {
                boxes.put(p.name(), new Box(x, MARGIN + row * ROW_H));
                x += BOX_W + GAP_X;
            }
            row--;
        }
        StringBuilder s = new StringBuilder();
        s.append("<svg id=\"graph\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"")
                .append(height).append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" role=\"img\" aria-label=\"dataflow graph of ").append(RunReport.esc(program.name()))
                .append("\">\n<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\"")
                .append(" markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#444\"/>")
                .append("</marker></defs>\n");
        for (Program.Edge e : program.lowerToUpper()) {
            edge(s, boxes.get(e.from()), boxes.get(e.to()), -8, "", e, "optimum");
        }
        for (Program.Edge e : program.upperToLower()) {
            edge(s, boxes.get(e.from()), boxes.get(e.to()), 8, " stroke-dasharray=\"6,4\"", e, "parameters");
        }
        for (ProblemNode p : program.problems()) {
            Box b = boxes.get(p.name());
            s.append("<g class=\"problem\" data-problem=\"").append(RunReport.esc(p.name())).append("\">")
                    .append("<rect x=\"").append(f(b.x())).append("\" y=\"").append(f(b.y())).append("\" width=\"")
                    .append(BOX_W).append("\" height=\"").append(BOX_H)
                    .append("\" rx=\"6\" fill=\"#eef4fb\" stroke=\"#36c\"/>")
                    .append("<text x=\"").append(f(b.cx())).append("\" y=\"").append(f(b.y() + 18))
                    .append("\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">")
                    .append(RunReport.esc(p.name())).append("</text>")
                    .append("<text x=\"").append(f(b.cx())).append("\" y=\"").append(f(b.y() + 36))
                    .append("\" text-anchor=\"middle\" font-size=\"11\">level ").append(p.level()).append(", unroll ")
                    .append(p.unrollSteps()).append("</text></g>\n");
        }
        return s.append("</svg>\n").toString();
    }

    /** An arrow between two boxes, shifted sideways by {@code offset} so that opposite edges do not overlap. */
    private static void edge(StringBuilder s, Box from, Box to, double offset, String style, Program.Edge e, String kind) {
        boolean up = from.y() > to.y();
        double sameRow = from.y() == to.y() ? 1 : 0;
        double x1 = from.cx() + offset;
        double x2 = to.cx() + offset;
        double y1 = sameRow == 1 ? from.y() + BOX_H / 2.0 : up ? from.y() : from.y() + BOX_H;
        double y2 = sameRow == 1 ? to.y() + BOX_H / 2.0 : up ? to.y() + BOX_H : to.y();
        s.append("<line class=\"edge ").append(kind).append("\" x1=\"").append(f(x1)).append("\" y1=\"").append(f(y1))
                .append("\" x2=\"").append(f(x2)).append("\" y2=\"").append(f(y2))
                .append("\" stroke=\"#444\" stroke-width=\"1.5\"").append(style)
                .append(" marker-end=\"url(#arrow)\"><title>").append(RunReport.esc(e.toString())).append(" (")
                .append(kind).append(")</title></line>\n");
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
