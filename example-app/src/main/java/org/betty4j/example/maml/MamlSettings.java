package org.betty4j.example.maml;

import java.util.Map;
import java.util.Optional;
import org.betty4j.runtime.cli.ProgramMain;

/**
 * The few-shot settings both problems and the evaluation share, read from program options
 * ({@code --set key=value} on the generated main, {@code EngineConfig.optOption} in code).
 *
 * @param ways classes per task: all {@value #WAYS} classes of a half (the pretrained baseline's head needs them all)
 * @param shots support images per class ({@value #SHOTS_OPTION}, default 5)
 * @param queries query images per class ({@value #QUERIES_OPTION}, default 15)
 * @param hidden hidden units of the MLP ({@value #HIDDEN_OPTION}, default 64)
 * @param innerLr SGD learning rate of the adaptation ({@code --lr TaskAdapter=RATE}, default 0.1)
 * @param lambda weight of the proximal term {@code λ/2 ‖φ − θ‖²} ({@value #LAMBDA_OPTION}, default 0: plain MAML)
 * @param metaLr Adam learning rate of the meta-initialization ({@code --lr MetaInitialization=RATE}, default 0.001)
 */
public record MamlSettings(int ways, int shots, int queries, int hidden, float innerLr, float lambda, float metaLr) {

    public static final int WAYS = 5;
    public static final String SHOTS_OPTION = "maml-shots";
    public static final String QUERIES_OPTION = "maml-queries";
    public static final String HIDDEN_OPTION = "maml-hidden";
    public static final String LAMBDA_OPTION = "maml-lambda";
    /** Adaptation steps per task: the inner problem's unroll steps (a compile-time constant of its {@code @Level}). */
    public static final int INNER_STEPS = 5;
    /** Tasks averaged into one meta-update: the outer problem's gradient accumulation. */
    public static final int META_BATCH = 4;

    public MamlSettings {
        require(ways == WAYS, "ways", ways, String.valueOf(WAYS));
        require(shots >= 1, SHOTS_OPTION, shots, ">= 1");
        require(queries >= 1, QUERIES_OPTION, queries, ">= 1");
        require(hidden >= 1, HIDDEN_OPTION, hidden, ">= 1");
        require(innerLr > 0 && Float.isFinite(innerLr), "TaskAdapter.lr", innerLr, "> 0");
        require(lambda >= 0 && Float.isFinite(lambda), LAMBDA_OPTION, lambda, ">= 0");
        require(metaLr > 0 && Float.isFinite(metaLr), "MetaInitialization.lr", metaLr, "> 0");
    }

    public static MamlSettings defaults() {
        return from(Map.of());
    }

    public static MamlSettings from(Map<String, String> options) {
        return new MamlSettings(
                WAYS,
                integer(options, SHOTS_OPTION, 5),
                integer(options, QUERIES_OPTION, 15),
                integer(options, HIDDEN_OPTION, 64),
                real(options, ProgramMain.learningRateKey("TaskAdapter"), 0.1f),
                real(options, LAMBDA_OPTION, 0f),
                real(options, ProgramMain.learningRateKey("MetaInitialization"), 1e-3f));
    }

    private static int integer(Map<String, String> options, String key, int fallback) {
        return Optional.ofNullable(options.get(key)).map(v -> {
            try {
                return Integer.parseInt(v.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("program option " + key + "=" + v + " is not an integer");
            }
        }).orElse(fallback);
    }

    private static float real(Map<String, String> options, String key, float fallback) {
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
