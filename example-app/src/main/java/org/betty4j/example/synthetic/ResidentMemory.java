package org.betty4j.example.synthetic;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Peak resident memory of this process (Linux): {@code VmHWM} from {@code /proc/self/status}, reset
 * to the current resident size by writing 5 to {@code /proc/self/clear_refs}, so each run's peak can
 * be read on its own. Returns -1 where /proc is not available.
 */
public final class ResidentMemory {

    private ResidentMemory() {}

    /** Resets the peak to the current resident size; false where the kernel does not allow it. */
    public static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    public static long peakMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }
}
