package dev.anneal.tuner.lora;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The hyper-parameters of a LoRA adapter, as PEFT's {@code LoraConfig} names them.
 *
 * <p>Validated on construction, with messages naming the recipe key ({@code lora.r}, ...).
 *
 * @param r {@code r}, the rank of the update
 * @param alpha {@code lora_alpha}; the update is scaled by {@code alpha / r}
 * @param dropout {@code lora_dropout}, applied to the adapter's input during training, in [0, 1)
 * @param targetModules {@code target_modules}, Hugging Face projection names among {@code q_proj,
 *     k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj}; the short forms {@code q, k, v, o,
 *     gate, up, down} are accepted and normalised
 */
public record LoraConfig(int r, double alpha, double dropout, List<String> targetModules) {

    /** Every projection of a LLaMA-family decoder layer, in module order. */
    public static final List<String> ALL_MODULES =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    private static final Map<String, String> SHORT_NAMES =
            Map.of(
                    "q", "q_proj",
                    "k", "k_proj",
                    "v", "v_proj",
                    "o", "o_proj",
                    "gate", "gate_proj",
                    "up", "up_proj",
                    "down", "down_proj");

    /** Validates every field; normalises the module names and removes duplicates. */
    public LoraConfig {
        if (r <= 0) {
            throw new IllegalArgumentException("lora.r must be positive, got " + r);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("lora.alpha must be positive, got " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("lora.dropout must be in [0, 1), got " + dropout);
        }
        Objects.requireNonNull(targetModules, "lora.target_modules");
        if (targetModules.isEmpty()) {
            throw new IllegalArgumentException("lora.target_modules must name at least one module");
        }
        Set<String> modules = new LinkedHashSet<>();
        for (String name : targetModules) {
            String module = SHORT_NAMES.getOrDefault(name.toLowerCase(Locale.ROOT), name);
            if (!ALL_MODULES.contains(module)) {
                throw new IllegalArgumentException(
                        "lora.target_modules: unknown module '"
                                + name
                                + "'; expected some of "
                                + String.join(", ", ALL_MODULES));
            }
            modules.add(module);
        }
        targetModules = List.copyOf(new ArrayList<>(modules));
    }

    /** The factor of the low-rank update, {@code alpha / r}. */
    public double scaling() {
        return alpha / r;
    }

    /**
     * Whether a projection gets an adapter.
     *
     * @param modulePath a Hugging Face module path, e.g. {@code model.layers.3.self_attn.q_proj}
     * @return whether its last segment is a target module
     */
    public boolean targets(String modulePath) {
        return targetModules.contains(modulePath.substring(modulePath.lastIndexOf('.') + 1));
    }
}
