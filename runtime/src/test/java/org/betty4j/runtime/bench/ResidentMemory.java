package org.betty4j.runtime.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's resident memory from /proc (Linux), current and peak. */
public final class ResidentMemory {

    private ResidentMemory() {}

    /** VmRSS: resident memory now, in KiB. */
    public static long currentKiB() {
        return field("VmRSS:");
    }

    /** VmHWM: the peak resident memory of the process so far, in KiB. */
    public static long peakKiB() {
        return field("VmHWM:");
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/status", e);
        }
        throw new IllegalStateException("no " + name + " line in /proc/self/status");
    }
}
