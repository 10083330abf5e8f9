package org.betty4j.processor.model;

/** Where an {@code @Upper}/{@code @Lower} annotation sits. */
public enum Site {
    FIELD("field"),
    CONSTRUCTOR_PARAMETER("constructor parameter"),
    TRAINING_STEP_PARAMETER("training-step parameter");

    private final String description;

    Site(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
