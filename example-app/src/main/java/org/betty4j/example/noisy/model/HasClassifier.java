package org.betty4j.example.noisy.model;

import org.betty4j.example.model.ImageClassifier;

/** The lowest problem of each noisy-label program: the classifier the run evaluates. */
public interface HasClassifier {
    ImageClassifier model();
}
