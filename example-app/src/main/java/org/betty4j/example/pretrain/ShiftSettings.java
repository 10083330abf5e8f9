package org.betty4j.example.pretrain;

import java.util.Map;
import java.util.Optional;
import org.betty4j.runtime.cli.ProgramMain;

/**
 * Settings of program 4, from program options ({@code --set key=value} on the generated
 * main, {@code EngineConfig.optOption} in code).
 *
 * @param hidden hidden units of the MLP ({@value #HIDDEN_OPTION}, default 128)
 * @param finetuneLr SGD (momentum 0.9) rate of the finetuning offset ({@code --lr Finetuning=RATE}, default 0.05)
 * @param proximal weight of {@code λ/2 ‖δ‖²}, the finetuning offset's pull towards the
 *     pretrained weights ({@value #PROXIMAL_OPTION}, default 0.01)
 * @param reweightLr Adam rate of the per-example weight logits ({@code --lr SourceReweighting=RATE},
 *     default 0.05; 0 turns reweighting off: the baseline)
 */
public record ShiftSettings(int hidden, float finetuneLr, float proximal, float reweightLr) {

    public static final String HIDDEN_OPTION = "shift-hidden";
    public static final String PROXIMAL_OPTION = "shift-proximal";
    /** Source images per pretraining batch. */
    public static final int SOURCE_BATCH = 100;
    /** Target validation images per reweighting batch. */
    public static final int VALIDATION_BATCH = 100;

    public ShiftSettings {
        require(hidden >= 1, HIDDEN_OPTION, hidden, ">= 1");
        require(finetuneLr > 0 && Float.isFinite(finetuneLr), ProgramMain.learningRateKey("Finetuning"), finetuneLr, "> 0");
        require(proximal >= 0 && Float.isFinite(proximal), PROXIMAL_OPTION, proximal, ">= 0");
        require(reweightLr >= 0 && Float.isFinite(reweightLr), ProgramMain.learningRateKey("SourceReweighting"),
                reweightLr, ">= 0");
    }

    public static ShiftSettings from(Map<String, String> options) {
        return new ShiftSettings(
                (int) number(options, HIDDEN_OPTION, 128),
                number(options, ProgramMain.learningRateKey("Finetuning"), 0.05f),
                number(options, PROXIMAL_OPTION, 0.01f),
                number(options, ProgramMain.learningRateKey("SourceReweighting"), 0.05f));
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

    private static void require(boolean ok, String key, Object value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException("program option " + key + " = " + value + ": must be " + expected);
        }
    }
}
