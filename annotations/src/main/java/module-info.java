/**
 * The annotations a Betty for Java program is written with: {@code @Level}, {@code @TrainingStep},
 * {@code @Upper}, {@code @Lower}, {@code @Hypergrad}, and the one catalogue of rules
 * ({@code Rules}) that the processor, the runtime's builders and the command line share.
 */
module org.betty4j.annotations {
    exports org.betty4j.annotations;
}
