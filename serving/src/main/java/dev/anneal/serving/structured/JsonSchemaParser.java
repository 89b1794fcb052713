package dev.anneal.serving.structured;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles a JSON schema of the supported subset (see the package documentation) into a {@link
 * JsonGrammar}, refusing anything else with an {@link UnsupportedSchemaException} that names the
 * keyword's path. Refusing is the point: a keyword silently ignored would let through output that
 * does not validate.
 */
final class JsonSchemaParser {

    private static final Set<String> TYPES =
            Set.of("object", "array", "string", "number", "integer", "boolean", "null");

    /** Keywords that say nothing about validity, accepted and ignored. */
    private static final Set<String> ANNOTATIONS =
            Set.of("title", "description", "$schema", "$comment", "examples", "default");

    private static final List<String> OBJECT_KEYWORDS =
            List.of("properties", "required", "additionalProperties");

    private static final List<String> ARRAY_KEYWORDS = List.of("items", "minItems", "maxItems");

    private JsonSchemaParser() {}

    /**
     * Compiles a top-level schema, which must be {@code "type": "object"}, like OpenAI's.
     *
     * @param schema the schema
     * @return the grammar of the document
     * @throws UnsupportedSchemaException if the schema is outside the subset
     */
    static ObjectGrammar parseDocument(JsonNode schema) {
        if (schema == null || !schema.isObject()) {
            throw new UnsupportedSchemaException("", "the schema must be a JSON object");
        }
        JsonNode type = schema.get("type");
        if (type == null || !type.isTextual() || !type.asText().equals("object")) {
            throw new UnsupportedSchemaException(
                    "type", "the top-level schema must have \"type\": \"object\"");
        }
        if (schema.has("enum")) {
            throw new UnsupportedSchemaException("enum", "not supported on the top-level schema");
        }
        return (ObjectGrammar) parse(schema, "");
    }

    /** Compiles the schema at {@code path}. */
    static JsonGrammar parse(JsonNode schema, String path) {
        if (!schema.isObject()) {
            throw new UnsupportedSchemaException(path, "must be a schema object");
        }
        for (Iterator<String> names = schema.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            boolean known =
                    ANNOTATIONS.contains(name)
                            || OBJECT_KEYWORDS.contains(name)
                            || ARRAY_KEYWORDS.contains(name)
                            || name.equals("type")
                            || name.equals("enum");
            if (!known) {
                throw new UnsupportedSchemaException(join(path, name), "not supported");
            }
        }
        List<String> types = types(schema.get("type"), join(path, "type"));
        for (String keyword : OBJECT_KEYWORDS) {
            requireType(schema, keyword, "object", types, path);
        }
        for (String keyword : ARRAY_KEYWORDS) {
            requireType(schema, keyword, "array", types, path);
        }
        if (schema.has("enum")) {
            for (String keyword : schema.properties().stream().map(Map.Entry::getKey).toList()) {
                if (OBJECT_KEYWORDS.contains(keyword) || ARRAY_KEYWORDS.contains(keyword)) {
                    throw new UnsupportedSchemaException(
                            join(path, "enum"), "cannot be combined with " + keyword);
                }
            }
            return enumeration(schema, types, path);
        }
        if (types == null) {
            return JsonGrammar.AnyValue.INSTANCE;
        }
        List<JsonGrammar> alternatives = new ArrayList<>();
        for (String type : types) {
            switch (type) {
                case "object" -> alternatives.add(object(schema, path));
                case "array" -> alternatives.add(array(schema, path));
                case "string" -> alternatives.add(JsonGrammar.StringValue.INSTANCE);
                case "number" -> alternatives.add(JsonGrammar.NumberValue.NUMBER);
                case "integer" -> {
                    // Numbers include integers, and both start with the same bytes.
                    if (!types.contains("number")) {
                        alternatives.add(JsonGrammar.NumberValue.INTEGER);
                    }
                }
                case "boolean" -> alternatives.add(JsonGrammar.LiteralValue.BOOLEAN);
                default -> alternatives.add(JsonGrammar.LiteralValue.NULL);
            }
        }
        return alternatives.size() == 1
                ? alternatives.get(0)
                : new JsonGrammar.OneOfTypes(alternatives);
    }

    /** The types named by {@code type}, without repeats; {@code null} when absent. */
    private static List<String> types(JsonNode type, String path) {
        if (type == null) {
            return null;
        }
        List<JsonNode> names = new ArrayList<>();
        if (type.isArray() && !type.isEmpty()) {
            type.forEach(names::add);
        } else {
            names.add(type);
        }
        Set<String> types = new LinkedHashSet<>();
        for (JsonNode name : names) {
            if (!name.isTextual()) {
                throw new UnsupportedSchemaException(
                        path, "must be a type name or a non-empty array of type names");
            }
            if (!TYPES.contains(name.asText())) {
                throw new UnsupportedSchemaException(
                        path,
                        "unknown type '"
                                + name.asText()
                                + "'; supported: object, array, string, number, integer, boolean,"
                                + " null");
            }
            types.add(name.asText());
        }
        return List.copyOf(types);
    }

    private static void requireType(
            JsonNode schema, String keyword, String type, List<String> types, String path) {
        if (schema.has(keyword) && (types == null || !types.contains(type))) {
            throw new UnsupportedSchemaException(
                    join(path, keyword), "needs \"type\": \"" + type + "\"");
        }
    }

    private static JsonGrammar enumeration(JsonNode schema, List<String> types, String path) {
        JsonNode values = schema.get("enum");
        String enumPath = join(path, "enum");
        if (!values.isArray() || values.isEmpty()) {
            throw new UnsupportedSchemaException(enumPath, "must be a non-empty array");
        }
        Set<String> texts = new LinkedHashSet<>();
        for (int i = 0; i < values.size(); i++) {
            JsonNode value = values.get(i);
            if (types != null && types.stream().noneMatch(type -> hasType(value, type))) {
                throw new UnsupportedSchemaException(
                        enumPath + "[" + i + "]", "does not match \"type\": " + types);
            }
            texts.add(CanonicalJson.write(value));
        }
        return JsonGrammar.LiteralValue.of(List.copyOf(texts));
    }

    private static boolean hasType(JsonNode value, String type) {
        return switch (type) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "number" -> value.isNumber();
            case "integer" -> isInteger(value);
            case "boolean" -> value.isBoolean();
            default -> value.isNull();
        };
    }

    private static ObjectGrammar object(JsonNode schema, String path) {
        JsonNode additional = schema.get("additionalProperties");
        if (additional != null && !additional.isBoolean()) {
            throw new UnsupportedSchemaException(
                    join(path, "additionalProperties"),
                    "only false (or true) is supported, not a schema");
        }
        JsonNode properties = schema.get("properties");
        JsonNode required = schema.get("required");
        if (properties == null) {
            if (required != null && !required.isEmpty()) {
                throw new UnsupportedSchemaException(
                        join(path, "required"), "needs properties declaring the required names");
            }
            boolean closed = additional != null && !additional.asBoolean();
            return closed ? ObjectGrammar.of(List.of()) : ObjectGrammar.ANY_KEYS;
        }
        if (!properties.isObject()) {
            throw new UnsupportedSchemaException(
                    join(path, "properties"), "must be an object of schemas");
        }
        Set<String> requiredNames = requiredNames(required, properties, join(path, "required"));
        List<ObjectGrammar.Property> declared = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = properties.fields();
                fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            String propertyPath = join(join(path, "properties"), field.getKey());
            declared.add(
                    new ObjectGrammar.Property(
                            field.getKey(),
                            parse(field.getValue(), propertyPath),
                            requiredNames.contains(field.getKey())));
        }
        return ObjectGrammar.of(declared);
    }

    private static Set<String> requiredNames(JsonNode required, JsonNode properties, String path) {
        Set<String> names = new LinkedHashSet<>();
        if (required == null) {
            return names;
        }
        if (!required.isArray()) {
            throw new UnsupportedSchemaException(path, "must be an array of property names");
        }
        for (int i = 0; i < required.size(); i++) {
            JsonNode name = required.get(i);
            if (!name.isTextual()) {
                throw new UnsupportedSchemaException(path + "[" + i + "]", "must be a string");
            }
            if (!properties.has(name.asText())) {
                throw new UnsupportedSchemaException(
                        path + "[" + i + "]",
                        "'" + name.asText() + "' is not declared in properties");
            }
            names.add(name.asText());
        }
        return names;
    }

    private static ArrayGrammar array(JsonNode schema, String path) {
        JsonNode items = schema.get("items");
        if (items != null && items.isArray()) {
            throw new UnsupportedSchemaException(
                    join(path, "items"), "tuples are not supported: give one schema");
        }
        JsonGrammar itemGrammar =
                items == null ? JsonGrammar.AnyValue.INSTANCE : parse(items, join(path, "items"));
        int minItems = count(schema.get("minItems"), join(path, "minItems"), 0);
        int maxItems = count(schema.get("maxItems"), join(path, "maxItems"), Integer.MAX_VALUE);
        if (maxItems < minItems) {
            throw new UnsupportedSchemaException(
                    join(path, "maxItems"), "is less than minItems (" + minItems + ")");
        }
        return new ArrayGrammar(itemGrammar, minItems, maxItems);
    }

    private static int count(JsonNode value, String path, int absent) {
        if (value == null) {
            return absent;
        }
        if (!isInteger(value) || value.decimalValue().signum() < 0) {
            throw new UnsupportedSchemaException(path, "must be a non-negative integer");
        }
        return value.decimalValue().min(BigDecimal.valueOf(Integer.MAX_VALUE)).intValue();
    }

    /** An integer as JSON Schema counts them: 2 and 2.0 alike. */
    private static boolean isInteger(JsonNode value) {
        return value.isIntegralNumber()
                || (value.isNumber()
                        && (value.decimalValue().signum() == 0
                                || value.decimalValue().stripTrailingZeros().scale() <= 0));
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }
}
