package dev.anneal.serving.structured;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A JSON-schema validator of the supported subset, written independently of the grammar (straight
 * from the keywords' definitions in JSON Schema), so the tests do not check the automaton with
 * itself. One difference from the standard, matching the documented behaviour: with {@code
 * properties} declared, properties not declared are errors even without {@code
 * additionalProperties: false}.
 */
final class TinySchemaValidator {

    private TinySchemaValidator() {}

    /** The reasons {@code value} does not validate, empty when it does. */
    static List<String> errors(JsonNode value, JsonNode schema) {
        List<String> errors = new ArrayList<>();
        validate(value, schema, "$", errors);
        return errors;
    }

    private static void validate(JsonNode value, JsonNode schema, String at, List<String> errors) {
        JsonNode enumeration = schema.get("enum");
        if (enumeration != null) {
            boolean found = false;
            for (JsonNode option : enumeration) {
                found |= sameValue(option, value);
            }
            if (!found) {
                errors.add(at + ": " + value + " is not in " + enumeration);
            }
        }
        JsonNode type = schema.get("type");
        if (type != null) {
            boolean matches = false;
            if (type.isArray()) {
                for (JsonNode name : type) {
                    matches |= hasType(value, name.asText());
                }
            } else {
                matches = hasType(value, type.asText());
            }
            if (!matches) {
                errors.add(at + ": " + value + " is not of type " + type);
                return;
            }
        }
        if (value.isObject()) {
            validateObject(value, schema, at, errors);
        }
        if (value.isArray()) {
            int size = value.size();
            if (schema.has("minItems") && size < schema.get("minItems").asInt()) {
                errors.add(at + ": " + size + " items, fewer than minItems");
            }
            if (schema.has("maxItems") && size > schema.get("maxItems").asInt()) {
                errors.add(at + ": " + size + " items, more than maxItems");
            }
            if (schema.has("items")) {
                for (int i = 0; i < size; i++) {
                    validate(value.get(i), schema.get("items"), at + "[" + i + "]", errors);
                }
            }
        }
    }

    private static void validateObject(
            JsonNode value, JsonNode schema, String at, List<String> errors) {
        JsonNode properties = schema.get("properties");
        if (schema.has("required")) {
            for (JsonNode name : schema.get("required")) {
                if (!value.has(name.asText())) {
                    errors.add(at + ": missing required " + name);
                }
            }
        }
        boolean closed =
                properties != null
                        || (schema.has("additionalProperties")
                                && !schema.get("additionalProperties").asBoolean());
        for (Iterator<String> names = value.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            JsonNode propertySchema = properties == null ? null : properties.get(name);
            if (propertySchema != null) {
                validate(value.get(name), propertySchema, at + "." + name, errors);
            } else if (closed) {
                errors.add(at + ": property " + name + " is not declared");
            }
        }
    }

    private static boolean hasType(JsonNode value, String type) {
        return switch (type) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "number" -> value.isNumber();
            case "integer" -> value.isNumber() && isWhole(value.decimalValue());
            case "boolean" -> value.isBoolean();
            case "null" -> value.isNull();
            default -> throw new IllegalArgumentException("type " + type);
        };
    }

    /** JSON Schema compares numbers by value: 1 and 1.0 are the same. */
    private static boolean sameValue(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        return a.equals(b);
    }

    private static boolean isWhole(BigDecimal number) {
        return number.signum() == 0 || number.stripTrailingZeros().scale() <= 0;
    }
}
