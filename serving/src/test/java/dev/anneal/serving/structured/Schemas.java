package dev.anneal.serving.structured;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;

/** Schemas the tests share. */
final class Schemas {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Every supported keyword at least once, nested three deep. */
    static final String EVERY_KEYWORD =
            """
            {
              "$schema": "https://json-schema.org/draft/2020-12/schema",
              "title": "Every supported keyword",
              "type": "object",
              "properties": {
                "name": {"type": "string", "description": "annotations are ignored"},
                "age": {"type": "integer"},
                "score": {"type": "number"},
                "active": {"type": "boolean"},
                "nickname": {"type": ["string", "null"]},
                "colour": {"enum": ["red", "green", "caf\\u00e9", 1, 12, 2.5, true, null]},
                "level": {"type": "string", "enum": ["low", "high"]},
                "tags": {
                  "type": "array",
                  "items": {"type": "string"},
                  "minItems": 1,
                  "maxItems": 3
                },
                "point": {
                  "type": "object",
                  "properties": {
                    "x": {"type": "integer"},
                    "y": {"type": "integer"},
                    "labels": {"type": "array", "items": {"type": "boolean"}, "maxItems": 2}
                  },
                  "required": ["x", "y"],
                  "additionalProperties": false
                },
                "extra": {"type": "object"},
                "anything": {},
                "nothing": {"type": "null"}
              },
              "required": ["name", "age", "tags", "point"],
              "additionalProperties": false
            }
            """;

    private Schemas() {}

    /** Parses JSON text. */
    static JsonNode json(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
