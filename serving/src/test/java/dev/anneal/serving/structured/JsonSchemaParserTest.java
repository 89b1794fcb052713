package dev.anneal.serving.structured;

import static dev.anneal.serving.structured.Schemas.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonSchemaParserTest {

    @Test
    void shouldCompileWhenSchemaUsesEveryKeyword() {
        ObjectGrammar grammar = JsonSchemaParser.parseDocument(json(Schemas.EVERY_KEYWORD));

        assertThat(grammar.properties())
                .extracting(ObjectGrammar.Property::name)
                .containsExactly(
                        "name",
                        "age",
                        "score",
                        "active",
                        "nickname",
                        "colour",
                        "level",
                        "tags",
                        "point",
                        "extra",
                        "anything",
                        "nothing");
        assertThat(grammar.properties())
                .filteredOn(ObjectGrammar.Property::required)
                .extracting(ObjectGrammar.Property::name)
                .containsExactly("name", "age", "tags", "point");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                // schema | the exception's message
                "{'type':'object','properties':{'age':{'type':'integer','minimum':0}}}"
                        + " | properties.age.minimum: not supported",
                "{'type':'object','properties':{'t':{'type':'array','items':{'type':'string',"
                        + "'pattern':'x'}}}} | properties.t.items.pattern: not supported",
                "{'type':'object','patternProperties':{}} | patternProperties: not supported",
                "{'type':'object','properties':{'a':{'$ref':'#/x'}}}"
                        + " | properties.a.$ref: not supported",
                "{'type':'object','properties':{'a':{'anyOf':[]}}} | properties.a.anyOf: not"
                        + " supported",
                "{'type':'array'} | type: the top-level schema must have \"type\": \"object\"",
                "{'properties':{}} | type: the top-level schema must have \"type\": \"object\"",
                "{'type':'object','properties':{'a':{'type':'date'}}}"
                        + " | properties.a.type: unknown type 'date'; supported: object, array,"
                        + " string, number, integer, boolean, null",
                "{'type':'object','properties':{'a':{'type':'string'}},'required':['b']}"
                        + " | required[0]: 'b' is not declared in properties",
                "{'type':'object','required':['b']} | required: needs properties declaring the"
                        + " required names",
                "{'type':'object','additionalProperties':{'type':'string'}}"
                        + " | additionalProperties: only false (or true) is supported, not a"
                        + " schema",
                "{'type':'object','properties':{'a':{'type':'array','items':[{}]}}}"
                        + " | properties.a.items: tuples are not supported: give one schema",
                "{'type':'object','properties':{'a':{'type':'array','minItems':3,'maxItems':2}}}"
                        + " | properties.a.maxItems: is less than minItems (3)",
                "{'type':'object','properties':{'a':{'type':'array','minItems':-1}}}"
                        + " | properties.a.minItems: must be a non-negative integer",
                "{'type':'object','properties':{'a':{'type':'string','enum':['x',1]}}}"
                        + " | properties.a.enum[1]: does not match \"type\": [string]",
                "{'type':'object','properties':{'a':{'enum':[]}}}"
                        + " | properties.a.enum: must be a non-empty array",
                "{'type':'object','properties':{'a':{'items':{}}}}"
                        + " | properties.a.items: needs \"type\": \"array\"",
                "{'type':'object','properties':{'a':true}} | properties.a: must be a schema"
                        + " object",
            })
    void shouldNameTheKeywordPathWhenSchemaIsUnsupported(String schema, String message) {
        assertThatThrownBy(() -> JsonSchemaParser.parseDocument(json(schema.replace('\'', '"'))))
                .isInstanceOf(UnsupportedSchemaException.class)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void shouldExposeThePathWhenSchemaIsUnsupported() {
        assertThatThrownBy(
                        () ->
                                JsonSchemaParser.parseDocument(
                                        json(
                                                "{\"type\":\"object\",\"properties\":{\"age\":"
                                                        + "{\"type\":\"integer\",\"pattern\":\"x\"}}}")))
                .isInstanceOfSatisfying(
                        UnsupportedSchemaException.class,
                        e -> assertThat(e.path()).isEqualTo("properties.age.pattern"));
    }

    @Test
    void shouldAllowAnyKeysWhenObjectDeclaresNoProperties() {
        assertThat(JsonSchemaParser.parseDocument(json("{\"type\":\"object\"}")).anyKeys())
                .isTrue();
        ObjectGrammar closed =
                JsonSchemaParser.parseDocument(
                        json("{\"type\":\"object\",\"additionalProperties\":false}"));
        assertThat(closed.anyKeys()).isFalse();
        assertThat(closed.minLength()).isEqualTo(2);
    }
}
