package dev.anneal.tuner.lora;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import dev.anneal.tuner.model.ProjectionFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The {@link ProjectionFactory} that puts a {@link LoraLinear} on each target module and a plain
 * linear projection everywhere else, remembering the adapters it made.
 *
 * <p>Pass it to the model builder or loader; once the base weights are loaded, give the adapters
 * their initial values with {@link #initialise(long)} (or one by one, through {@link #adapters()}).
 */
public final class LoraProjections implements ProjectionFactory {

    private final LoraConfig config;
    private final NDManager manager;
    private final List<LoraLinear> adapters = new ArrayList<>();

    /**
     * Creates the factory.
     *
     * @param config rank, alpha, dropout and target modules
     * @param manager the model's manager, which will own the adapters' constants and weights
     */
    public LoraProjections(LoraConfig config, NDManager manager) {
        this.config = config;
        this.manager = manager;
    }

    @Override
    public Block create(String modulePath, long inFeatures, long outFeatures, boolean bias) {
        if (!config.targets(modulePath)) {
            return ProjectionFactory.LINEAR.create(modulePath, inFeatures, outFeatures, bias);
        }
        LoraLinear adapter =
                new LoraLinear(modulePath, inFeatures, outFeatures, bias, config, manager);
        adapters.add(adapter);
        return adapter;
    }

    /**
     * Gives every adapter PEFT's default initialisation, A drawn in module order from one seeded
     * generator.
     *
     * @param seed the seed: the same seed gives the same adapters
     */
    public void initialise(long seed) {
        Random random = new Random(seed);
        for (LoraLinear adapter : adapters) {
            adapter.initialise(manager, random);
        }
    }

    /** The configuration. */
    public LoraConfig config() {
        return config;
    }

    /** The adapters made so far, in the model's module order. */
    public List<LoraLinear> adapters() {
        return Collections.unmodifiableList(adapters);
    }
}
