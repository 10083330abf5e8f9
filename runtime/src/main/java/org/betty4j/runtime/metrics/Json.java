package org.betty4j.runtime.metrics;

import java.util.Locale;

/** The little JSON the metrics file needs: strings and numbers (non-finite numbers become null). */
final class Json {

    private Json() {}

    static String string(String text) {
        StringBuilder s = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                case '\n' -> s.append("\\n");
                case '\r' -> s.append("\\r");
                case '\t' -> s.append("\\t");
                default -> {
                    if (c < 0x20) {
                        s.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        s.append(c);
                    }
                }
            }
        }
        return s.append('"').toString();
    }

    /** Shortest round-trip decimal; JSON has no NaN or infinity, so those are written as null. */
    static String number(double value) {
        return Double.isFinite(value) ? Double.toString(value) : "null";
    }
}
