package dev.anneal.tuner.model;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Names the parameters of a block tree the way PyTorch's {@code state_dict()} does: the dotted path
 * of child names, e.g. {@code model.layers.0.self_attn.q_proj.weight}.
 *
 * <p>DJL prefixes each child's name with its 1-based position ({@code "01q_proj"}); this strips
 * that prefix, so that blocks named after the Hugging Face modules give the Hugging Face names.
 */
public final class StateDict {

    private StateDict() {}

    /**
     * Lists every parameter of a block and its descendants.
     *
     * @param root the root block
     * @return the parameters by dotted name, in the tree's order
     */
    public static Map<String, Parameter> of(Block root) {
        Map<String, Parameter> parameters = new LinkedHashMap<>();
        collect("", root, parameters);
        return Collections.unmodifiableMap(parameters);
    }

    private static void collect(String prefix, Block block, Map<String, Parameter> out) {
        for (Parameter parameter : block.getDirectParameters().values()) {
            out.put(prefix + parameter.getName(), parameter);
        }
        int position = 0;
        for (Pair<String, Block> child : block.getChildren()) {
            position++;
            String numbered = String.format(Locale.ROOT, "%02d", position);
            String name = child.getKey();
            if (name.startsWith(numbered)) {
                name = name.substring(numbered.length());
            }
            collect(prefix + name + ".", child.getValue(), out);
        }
    }
}
