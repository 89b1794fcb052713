package dev.anneal.tuner.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads one section of a YAML recipe with messages naming the full key ({@code
 * optimizer.weight_decay}); unknown keys are errors, so that a typo does not silently fall back to
 * a default.
 */
final class ConfigReader {

    private final JsonNode node;
    private final String prefix;

    ConfigReader(JsonNode node, String prefix) {
        this.node = node;
        this.prefix = prefix;
        if (node != null && !node.isMissingNode() && !node.isNull() && !node.isObject()) {
            throw new IllegalArgumentException(name("") + " must be a mapping");
        }
    }

    boolean isPresent() {
        return node != null && node.isObject();
    }

    void allowOnly(Set<String> keys) {
        if (!isPresent()) {
            return;
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!keys.contains(key)) {
                throw new IllegalArgumentException(
                        "Unknown key "
                                + name(key)
                                + "; expected one of "
                                + String.join(", ", keys.stream().sorted().toList()));
            }
        }
    }

    ConfigReader section(String key) {
        return new ConfigReader(value(key), name(key) + ".");
    }

    String string(String key, String fallback) {
        JsonNode value = value(key);
        if (value == null) {
            return fallback;
        }
        if (!value.isValueNode() || value.isNull()) {
            throw new IllegalArgumentException(name(key) + " must be a string");
        }
        return value.asText();
    }

    String requiredString(String key) {
        String value = string(key, null);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name(key) + " is required");
        }
        return value;
    }

    Path path(String key) {
        String value = string(key, null);
        return value == null ? null : Path.of(value);
    }

    int integer(String key, int fallback) {
        JsonNode value = value(key);
        if (value == null) {
            return fallback;
        }
        if (!value.canConvertToInt() || !value.isIntegralNumber()) {
            throw new IllegalArgumentException(name(key) + " must be an integer, got " + value);
        }
        return value.asInt();
    }

    int requiredInteger(String key) {
        if (value(key) == null) {
            throw new IllegalArgumentException(name(key) + " is required");
        }
        return integer(key, 0);
    }

    long longInteger(String key, long fallback) {
        JsonNode value = value(key);
        if (value == null) {
            return fallback;
        }
        if (!value.isIntegralNumber()) {
            throw new IllegalArgumentException(name(key) + " must be an integer, got " + value);
        }
        return value.asLong();
    }

    double number(String key, double fallback) {
        JsonNode value = value(key);
        if (value == null) {
            return fallback;
        }
        if (value.isNumber()) {
            return value.asDouble();
        }
        // YAML 1.1 reads "3e-4" (no dot) as a string.
        if (value.isTextual()) {
            try {
                return Double.parseDouble(value.asText());
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw new IllegalArgumentException(name(key) + " must be a number, got " + value);
    }

    boolean bool(String key, boolean fallback) {
        JsonNode value = value(key);
        if (value == null) {
            return fallback;
        }
        if (!value.isBoolean()) {
            throw new IllegalArgumentException(name(key) + " must be true or false, got " + value);
        }
        return value.asBoolean();
    }

    List<String> strings(String key, List<String> fallback) {
        JsonNode value = value(key);
        if (value == null) {
            return fallback;
        }
        List<String> values = new ArrayList<>();
        if (value.isTextual()) {
            for (String part : value.asText().split(",")) {
                values.add(part.trim());
            }
            return values;
        }
        if (!value.isArray()) {
            throw new IllegalArgumentException(name(key) + " must be a list of strings");
        }
        value.forEach(item -> values.add(item.asText()));
        return values;
    }

    private JsonNode value(String key) {
        if (!isPresent()) {
            return null;
        }
        JsonNode value = node.get(key);
        return value == null || value.isNull() ? null : value;
    }

    private String name(String key) {
        return key.isEmpty() && prefix.endsWith(".")
                ? prefix.substring(0, prefix.length() - 1)
                : prefix + key;
    }
}
