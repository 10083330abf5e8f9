package org.betty4j.example.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a benchmark child's main thread spent its time, from the flight recording that
 * {@code StepBenchmark --profile DIR} asks each child to write: the share of Java and native
 * samples whose top frame is each method, and the share whose stack contains each method
 * (inclusive). Not a test; see the README's "Benchmark" section.
 *
 * <p>Arguments: the recording, then optionally how many rows of each list (default 25).
 */
public final class ProfileSummary {

    private ProfileSummary() {}

    public static void main(String[] args) throws IOException {
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 25;
        Map<String, Integer> top = new HashMap<>();
        Map<String, Integer> inclusive = new HashMap<>();
        int samples = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
            String type = e.getEventType().getName();
            if (!type.equals("jdk.ExecutionSample") && !type.equals("jdk.NativeMethodSample")) {
                continue;
            }
            RecordedStackTrace stack = e.getStackTrace();
            if (stack == null || stack.getFrames().isEmpty() || e.getThread("sampledThread") == null
                    || !"main".equals(e.getThread("sampledThread").getJavaName())) {
                continue;
            }
            samples++;
            List<RecordedFrame> frames = stack.getFrames();
            top.merge(name(frames.get(0)), 1, Integer::sum);
            Set<String> seen = new HashSet<>();
            for (RecordedFrame f : frames) {
                if (seen.add(name(f))) {
                    inclusive.merge(name(f), 1, Integer::sum);
                }
            }
        }
        System.out.printf(Locale.ROOT, "%d samples of the main thread in %s%n", samples, args[0]);
        print("top frame", top, samples, rows);
        print("inclusive", inclusive, samples, rows);
    }

    private static String name(RecordedFrame f) {
        String type = f.getMethod().getType().getName();
        return type.substring(type.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
    }

    private static void print(String title, Map<String, Integer> counts, int samples, int rows) {
        System.out.println("--- " + title);
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(rows)
                .forEach(en -> System.out.printf(Locale.ROOT, "%5.1f%% %s%n", 100.0 * en.getValue() / samples,
                        en.getKey()));
    }
}
