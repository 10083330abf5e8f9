package org.betty4j.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What the MLflow listener checks and rewrites before anything reaches a server. */
class MlflowListenerTest {

    @Test
    void namesMlflowWouldRejectAreRewritten() {
        assertEquals("Classifier.meta accuracy", MlflowListener.key("Classifier.meta accuracy"));
        assertEquals("val.P.top-1/acc_5", MlflowListener.key("val.P.top-1/acc_5"));
        assertEquals("P.w_0___1_", MlflowListener.key("P.w(0)[=1]"));
        assertEquals("P.__", MlflowListener.key("P.é\""));
    }

    @Test
    void experimentNamesAreQuotedSafely() {
        assertEquals("name = 'runs'", MlflowListener.nameFilter("runs"));
        assertEquals("name = \"Bob's runs\"", MlflowListener.nameFilter("Bob's runs"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MlflowListener.builder("http://127.0.0.1:5000").optExperiment("a'b\"c"));
        assertTrue(e.getMessage().contains("a'b\"c"), e.getMessage());
    }

    @Test
    void aTrackingUriMustBeHttp() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MlflowListener.builder("databricks"));
        assertTrue(e.getMessage().contains("'databricks'") && e.getMessage().contains("http(s)"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> MlflowListener.builder("http://127.0.0.1:5000").optFlushEvery(1001));
    }
}
