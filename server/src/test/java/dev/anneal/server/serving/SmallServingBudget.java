package dev.anneal.server.serving;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * Serving with room for one sequence of {@link ServingTestSupport#ENDLESS_CONTEXT} tokens per model
 * and one request waiting beside it: a budget a test fills with a single long stream.
 */
public class SmallServingBudget implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "anneal.serve.kv-cache",
                String.valueOf(ServingTestSupport.ENDLESS_CONTEXT),
                "anneal.serve.queue",
                "1");
    }
}
