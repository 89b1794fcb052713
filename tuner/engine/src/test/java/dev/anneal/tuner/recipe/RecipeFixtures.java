package dev.anneal.tuner.recipe;

import dev.anneal.tuner.Stories260K;
import dev.anneal.tuner.train.TrainingConfig;
import dev.anneal.tuner.train.TrainingEvent;
import dev.anneal.tuner.train.TrainingListener;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Small recipes on stories260K and the tiny data sets of {@code tuner/engine/recipes/data}. */
final class RecipeFixtures {

    static final Path DATA = Path.of("recipes", "data");

    private RecipeFixtures() {}

    /**
     * A recipe: the common head (model, output, data files) and the given sections.
     *
     * @param method sft or pretrain
     * @param train the training file's name in {@code recipes/data}
     * @param validation the validation file's name, or {@code null}
     * @param output the output folder
     * @param sections further YAML, e.g. lora/optimizer/training sections and data options
     */
    static TrainingConfig config(
            String method, String train, String validation, Path output, String sections)
            throws IOException {
        String yaml =
                "method: "
                        + method
                        + "\nmodel: "
                        + Stories260K.DIR.toAbsolutePath()
                        + "\noutput_dir: "
                        + output
                        + "\n"
                        + sections.replace(
                                "DATA:",
                                "data:\n  train: "
                                        + DATA.resolve(train).toAbsolutePath()
                                        + (validation == null
                                                ? ""
                                                : "\n  validation: "
                                                        + DATA.resolve(validation)
                                                                .toAbsolutePath()));
        return TrainingConfig.parse(yaml);
    }

    /** A listener that keeps every event. */
    static final class Recorder implements TrainingListener {

        final List<TrainingEvent> events = new ArrayList<>();

        @Override
        public void onEvent(TrainingEvent event) {
            events.add(event);
        }

        <T extends TrainingEvent> List<T> of(Class<T> type) {
            return events.stream().filter(type::isInstance).map(type::cast).toList();
        }

        List<Double> trainLosses() {
            return of(TrainingEvent.StepMetrics.class).stream()
                    .map(TrainingEvent.StepMetrics::trainLoss)
                    .toList();
        }
    }
}
