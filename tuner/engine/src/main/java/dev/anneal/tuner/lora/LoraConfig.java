package dev.anneal.tuner.lora;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
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
 *     k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj}: the one spelling of a job's request,
 *     a recipe and the adapter's {@code adapter_config.json}
 */
public record LoraConfig(int r, double alpha, double dropout, List<String> targetModules) {

    /** Every projection of a LLaMA-family decoder layer, in module order. */
    public static final List<String> ALL_MODULES =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    /** The attention projections, the usual targets. */
    public static final List<String> ATTENTION_MODULES =
            List.of("q_proj", "k_proj", "v_proj", "o_proj");

    /** Validates every field; removes duplicate module names. */
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
            if (!ALL_MODULES.contains(name)) {
                throw new IllegalArgumentException(
                        "lora.target_modules: unknown module '"
                                + name
                                + "'; expected some of "
                                + String.join(", ", ALL_MODULES));
            }
            modules.add(name);
        }
        targetModules = List.copyOf(new ArrayList<>(modules));
    }

    /**
     * Rank-{@code r} adapters on the attention projections, with {@code alpha} = 2r and no dropout.
     */
    public static LoraConfig rank(int r) {
        return new LoraConfig(r, 2.0 * r, 0.0, ATTENTION_MODULES);
    }

    /** This configuration with the update scaled by {@code alpha / r}. */
    public LoraConfig withAlpha(double alpha) {
        return new LoraConfig(r, alpha, dropout, targetModules);
    }

    /** This configuration with dropout {@code dropout} on the adapter's input. */
    public LoraConfig withDropout(double dropout) {
        return new LoraConfig(r, alpha, dropout, targetModules);
    }

    /** This configuration on the projections {@code modules} ({@code q_proj}, ...). */
    public LoraConfig withTargetModules(List<String> modules) {
        return new LoraConfig(r, alpha, dropout, modules);
    }

    /** This configuration on the projections {@code modules} ({@code q_proj}, ...). */
    public LoraConfig withTargetModules(String... modules) {
        return withTargetModules(List.of(modules));
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
