package org.betty4j.example.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** One line describing the machine a results table was measured on. */
public final class Machine {

    private Machine() {}

    /** CPU model (from /proc/cpuinfo where available), cores the JVM sees, OS and Java version. */
    public static String describe() {
        String cpu = "unknown CPU";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: keep "unknown CPU"
        }
        return String.format(Locale.ROOT, "%s, %d cores visible to the JVM, %s %s, Java %s, CPU only%s", cpu,
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"),
                System.getProperty("os.arch"), System.getProperty("java.version"), load());
    }

    /** ", load average X (1 min) at the end", read from /proc/loadavg; empty where there is none. */
    private static String load() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return ", load average " + fields[0] + " (1 min) when written";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
