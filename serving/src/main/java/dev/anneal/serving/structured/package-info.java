/**
 * Structured output: constrained decoding that makes every answer valid JSON ({@code
 * response_format: {"type": "json_object"}}) or a JSON document that validates against a schema
 * ({@code {"type": "json_schema", ...}}). Validity is not checked afterwards: before each token the
 * decoding loop asks a {@link dev.anneal.tuner.generate.TokenConstraint} which tokens may come next
 * and samples among those only, so nothing else can be written.
 *
 * <h2>Use</h2>
 *
 * <pre>{@code
 * Vocabulary vocabulary = Vocabulary.of(tokenizer, config.vocabSize(), eosIds); // once per model
 * StructuredOutput format = StructuredOutput.jsonSchema(schema, vocabulary);   // once per request
 * TokenConstraint constraint = format.newConstraint(maxTokens);                // once per sequence
 * }</pre>
 *
 * <h2>The supported JSON-schema subset</h2>
 *
 * <ul>
 *   <li>The top-level schema is {@code "type": "object"}, as in OpenAI's structured outputs. {@code
 *       json_object} mode is any JSON object.
 *   <li>{@code type}: {@code object}, {@code array}, {@code string}, {@code number}, {@code
 *       integer}, {@code boolean}, {@code null}, or an array of them ({@code ["string", "null"]}).
 *       An integer is written without fraction or exponent. A schema without {@code type} (or
 *       {@code {}}) allows any JSON value.
 *   <li>{@code properties}, {@code required}: properties are written in the order {@code
 *       properties} declares them; each required one is present, each optional one may be left out.
 *       Every name in {@code required} must be declared.
 *   <li>{@code additionalProperties}: {@code false}, or {@code true}, or absent. Properties not
 *       declared are never written, whichever of the three (an answer without them validates in all
 *       three cases). An object schema without {@code properties} allows any keys with any values,
 *       unless {@code additionalProperties} is {@code false}: then only {@code {}}. A schema as
 *       {@code additionalProperties} is refused.
 *   <li>{@code items}: one schema for every item (tuples are refused). Without it, items are any
 *       JSON values.
 *   <li>{@code minItems}, {@code maxItems}.
 *   <li>{@code enum}: any JSON values; with a {@code type}, every value must have that type. Each
 *       value is written in one spelling: compact JSON with characters outside ASCII as {@code
 *       \}{@code uXXXX} escapes (Jackson's, upper-case hex), property names too. {@code enum}
 *       cannot be combined with object or array keywords.
 *   <li>Annotations are accepted and ignored: {@code title}, {@code description}, {@code $schema},
 *       {@code $comment}, {@code examples}, {@code default}.
 * </ul>
 *
 * Anything else ({@code pattern}, {@code format}, {@code minimum}, {@code minLength}, {@code
 * anyOf}, {@code $ref}, {@code const}, ...) is refused with an {@link
 * dev.anneal.serving.structured.UnsupportedSchemaException} naming the keyword's path, such as
 * {@code properties.age.pattern: not supported}: ignoring a keyword would let through answers that
 * do not validate.
 *
 * <h2>What the answers look like</h2>
 *
 * <ul>
 *   <li>Whitespace: where JSON allows it, runs of at most 16 spaces and tabs with at most one line
 *       feed among them, so compact and indented JSON both fit but a model cannot loop on blank
 *       lines; no carriage returns; none after the closing brace.
 *   <li>Strings: any characters; control characters escaped; {@code \}{@code u} escapes of UTF-16
 *       surrogates refused (characters beyond the Basic Multilingual Plane are written as
 *       themselves). No length limit: the token budget ends them.
 *   <li>Numbers: JSON's syntax, no leading zeros, at most 16 digits before the point, 16 after it
 *       and 3 in the exponent.
 * </ul>
 *
 * <h2>Always complete within the token budget</h2>
 *
 * The automaton knows, in every state, the exact number of bytes of the shortest way to finish the
 * document, and the vocabulary has a single token for every printable ASCII byte, which is all
 * those shortest finishes use. A token is allowed only if, after it, that finish and the
 * end-of-sequence token still fit in {@code maxTokens}; so when the budget runs short only closing
 * tokens remain, and every answer ends complete, with its end-of-sequence token, at the latest on
 * its last token, whatever the model samples. The end-of-sequence tokens are allowed once the
 * document is complete, and then only they are. {@code maxTokens} below the shortest document plus
 * one is refused with a {@link dev.anneal.serving.structured.MaxTokensTooSmallException}.
 *
 * <h2>Tokens</h2>
 *
 * The automaton reads UTF-8 bytes. {@link dev.anneal.serving.structured.Vocabulary} holds the bytes
 * of every token, read through the model's tokenizer, byte-level BPE and SentencePiece alike;
 * tokens holding part of a character (byte tokens 0x80 to 0xFF) and special tokens are never
 * allowed. The allowed set is computed by walking a trie of the vocabulary from the current state,
 * pruning at the first refused byte; inside a string, the tokens of plain text, most of a
 * vocabulary, are allowed as a precomputed set without a walk. About 10 to 40 µs per token for a
 * 32K vocabulary on one core.
 */
package dev.anneal.serving.structured;
