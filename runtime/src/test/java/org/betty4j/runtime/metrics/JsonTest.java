package org.betty4j.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

/** The metrics file's JSON fragments read back with a real JSON parser (Gson). */
class JsonTest {

    @Test
    void stringsWithQuotesBackslashesAndControlCharactersRoundTrip() {
        String text = "a \"quoted\" \\ path\nnext\ttab\u0001";
        assertEquals(text, JsonParser.parseString(Json.string(text)).getAsString());
    }

    @Test
    void numbersRoundTripAndNonFiniteBecomesNull() {
        for (double v : new double[] {0.1, -3.25e-12, 1e300, 9}) {
            assertEquals(v, JsonParser.parseString(Json.number(v)).getAsDouble());
        }
        assertTrue(JsonParser.parseString(Json.number(Double.NaN)).isJsonNull());
        assertTrue(JsonParser.parseString(Json.number(Double.NEGATIVE_INFINITY)).isJsonNull());
    }
}
