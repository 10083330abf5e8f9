package org.betty4j.example.darts;

import java.util.Map;
import java.util.Optional;
import org.betty4j.runtime.cli.ProgramMain;

/**
 * Settings of program 5, from program options ({@code --set key=value} on the generated main).
 *
 * @param width features of the stem and the cell's nodes ({@value #WIDTH_OPTION}, default 64)
 * @param weightsLr SGD (momentum 0.9, weight decay 3e-4) rate of the weights, search and
 *     retraining ({@code --lr NetworkWeights=RATE}, default 0.05)
 * @param architectureLr Adam (weight decay 1e-3) rate of α ({@code --lr Architecture=RATE}, default 0.01)
 */
public record DartsSettings(int width, float weightsLr, float architectureLr) {

    public static final String WIDTH_OPTION = "darts-width";
    /** Images per batch, for the weights and for α. */
    public static final int BATCH = 100;

    public DartsSettings {
        if (width < 1) {
            throw new IllegalArgumentException("program option " + WIDTH_OPTION + " = " + width + ": must be >= 1");
        }
        if (!(weightsLr > 0) || !Float.isFinite(weightsLr)) {
            throw new IllegalArgumentException("program option NetworkWeights.lr = " + weightsLr + ": must be > 0");
        }
        if (!(architectureLr >= 0) || !Float.isFinite(architectureLr)) {
            throw new IllegalArgumentException("program option Architecture.lr = " + architectureLr + ": must be >= 0");
        }
    }

    public static DartsSettings from(Map<String, String> options) {
        return new DartsSettings((int) number(options, WIDTH_OPTION, 64),
                number(options, ProgramMain.learningRateKey("NetworkWeights"), 0.05f),
                number(options, ProgramMain.learningRateKey("Architecture"), 0.01f));
    }

    private static float number(Map<String, String> options, String key, float fallback) {
        return Optional.ofNullable(options.get(key)).map(v -> {
            try {
                return Float.parseFloat(v.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("program option " + key + "=" + v + " is not a number");
            }
        }).orElse(fallback);
    }
}
