package dev.anneal.serving.structured;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anneal.serving.ConstraintFactory;
import dev.anneal.tuner.generate.TokenConstraint;

/**
 * A response format for one model, compiled once per request: makes a fresh {@link TokenConstraint}
 * for each sequence generated under it.
 *
 * <p>Immutable and thread-safe; the constraints it makes are not (one per sequence).
 */
public final class StructuredOutput {

    private final JsonGrammar grammar;
    private final Vocabulary vocabulary;

    private StructuredOutput(JsonGrammar grammar, Vocabulary vocabulary) {
        this.grammar = grammar;
        this.vocabulary = vocabulary;
    }

    /**
     * {@code response_format: {"type": "json_object"}}: any JSON object, as OpenAI's JSON mode.
     *
     * @param vocabulary the model's vocabulary
     * @return the response format
     */
    public static StructuredOutput jsonObject(Vocabulary vocabulary) {
        return new StructuredOutput(ObjectGrammar.ANY_KEYS, vocabulary);
    }

    /**
     * {@code response_format: {"type": "json_schema", ...}}: a JSON document that validates against
     * the schema.
     *
     * @param schema the schema, of the subset the package documentation lists, with {@code "type":
     *     "object"} at the top
     * @param vocabulary the model's vocabulary
     * @return the response format
     * @throws UnsupportedSchemaException if the schema is outside the subset; its path names the
     *     keyword
     */
    public static StructuredOutput jsonSchema(JsonNode schema, Vocabulary vocabulary) {
        return new StructuredOutput(JsonSchemaParser.parseDocument(schema), vocabulary);
    }

    /** The constraints of {@link #jsonObject}, for whichever model a request is served by. */
    public static ConstraintFactory jsonObjectConstraints() {
        return (vocabulary, maxTokens) -> jsonObject(vocabulary).newConstraint(maxTokens);
    }

    /**
     * The constraints of {@link #jsonSchema}, for whichever model a request is served by; the
     * schema is checked now, so that a request can be refused before it is queued.
     *
     * @param schema the schema
     * @return the factory of each sequence's constraint
     * @throws UnsupportedSchemaException if the schema is outside the subset; its path names the
     *     keyword
     */
    public static ConstraintFactory jsonSchemaConstraints(JsonNode schema) {
        JsonSchemaParser.parseDocument(schema);
        return (vocabulary, maxTokens) -> jsonSchema(schema, vocabulary).newConstraint(maxTokens);
    }

    /**
     * The smallest {@code max_tokens} that can hold a document: its shortest form, one token per
     * byte, and the end-of-sequence token.
     */
    public int minTokens() {
        return grammar.minLength() + 1;
    }

    /**
     * A constraint for one sequence.
     *
     * @param maxTokens the most tokens the sequence may generate, the end-of-sequence token
     *     included; the output is complete at the latest on the last of them
     * @return a fresh constraint
     * @throws MaxTokensTooSmallException if {@code maxTokens} is below {@link #minTokens()}
     */
    public TokenConstraint newConstraint(int maxTokens) {
        return new JsonConstraint(vocabulary, grammar, maxTokens);
    }
}
