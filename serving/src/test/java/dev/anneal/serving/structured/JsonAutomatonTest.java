package dev.anneal.serving.structured;

import static dev.anneal.serving.structured.Schemas.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The pushdown automaton, byte by byte, without a vocabulary. */
class JsonAutomatonTest {

    private static final JsonGrammar ANY_OBJECT = ObjectGrammar.ANY_KEYS;
    private static final JsonGrammar EVERY_KEYWORD =
            JsonSchemaParser.parseDocument(json(Schemas.EVERY_KEYWORD));

    /** The state after the text, or {@code null} if a byte was refused. */
    private static Frame feed(JsonGrammar grammar, String text) {
        Frame state = Frame.start(grammar);
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            state = state.step(b & 0xFF);
            if (state == null) {
                return null;
            }
        }
        return state;
    }

    private static boolean accepts(JsonGrammar grammar, String text) {
        Frame state = feed(grammar, text);
        return state != null && state.isDone();
    }

    private static boolean acceptsPrefix(JsonGrammar grammar, String text) {
        return feed(grammar, text) != null;
    }

    @Test
    void shouldAcceptAnyObjectWhenJsonObjectMode() {
        assertThat(
                        List.of(
                                "{}",
                                "{\"a\":1}",
                                "{\"\":\"\"}",
                                " {\"a\" : [1, -2.5e+10, 0, 0.0, 1E3, true, false, null] }",
                                "{\"a\":{\"b\":{\"c\":[[],[{}],\"x\"]}}}",
                                "{\"k\":\"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\uFFFF\"}",
                                "{\"k\":\"caf\u00e9 \u4e2d\u6587 \ud83d\ude00\"}",
                                "{\n  \"a\": 1,\n  \"a\": 2\n}"))
                .allSatisfy(text -> assertThat(accepts(ANY_OBJECT, text)).as(text).isTrue());
    }

    @Test
    void shouldRejectWhenNotJson() {
        assertThat(
                        List.of(
                                "[]",
                                "\"top-level string\"",
                                "{\"a\":01}",
                                "{\"a\":1,}",
                                "{a:1}",
                                "{\"a\" 1}",
                                "{\"a\":1}}",
                                "{} ",
                                "{\"a\":\"\u0001\"}",
                                "{\"a\":\"\\x\"}",
                                "{\"a\":\"\\u12G4\"}",
                                "{\"a\":tru}",
                                "{\"a\":1.}",
                                "{\"a\":-}",
                                "{\"a\":1e}",
                                "{\"a\":+1}",
                                "{\"a\":.5}",
                                "{\"a\":[1 2]}",
                                "{\"a\":[1,]}"))
                .allSatisfy(text -> assertThat(accepts(ANY_OBJECT, text)).as(text).isFalse());
    }

    @Test
    void shouldRejectSurrogateEscapesWhenWrittenAlone() {
        assertThat(acceptsPrefix(ANY_OBJECT, "{\"a\":\"\\uD7FF")).isTrue();
        assertThat(acceptsPrefix(ANY_OBJECT, "{\"a\":\"\\uD800")).isFalse();
        assertThat(acceptsPrefix(ANY_OBJECT, "{\"a\":\"\\udfff")).isFalse();
        assertThat(acceptsPrefix(ANY_OBJECT, "{\"a\":\"\\uE000")).isTrue();
    }

    @Test
    void shouldBoundWhitespaceWhenRunIsTooLong() {
        String longest = " ".repeat(Frame.MAX_WHITESPACE);
        assertThat(accepts(ANY_OBJECT, "{" + longest + "\"a\":" + longest + "1" + longest + "}"))
                .isTrue();
        assertThat(acceptsPrefix(ANY_OBJECT, "{" + longest + " ")).isFalse();
        assertThat(acceptsPrefix(ANY_OBJECT, longest + " ")).isFalse();
        // Inside a string a space is text, not whitespace.
        assertThat(accepts(ANY_OBJECT, "{\"" + longest + longest + "\":1}")).isTrue();
    }

    @Test
    void shouldAllowOneLineFeedWhenRunIsIndentation() {
        assertThat(accepts(ANY_OBJECT, "{\n  \"a\": [\n\t\t1\n  ]\n}")).isTrue();
        assertThat(acceptsPrefix(ANY_OBJECT, "{\n\n")).isFalse();
        assertThat(acceptsPrefix(ANY_OBJECT, "{ \n \n")).isFalse();
        assertThat(acceptsPrefix(ANY_OBJECT, "{\r\n")).as("no carriage return").isFalse();
    }

    @Test
    void shouldBoundDigitsWhenNumberIsTooLong() {
        String digits = "9".repeat(NumberFrame.MAX_INTEGER_DIGITS);
        assertThat(accepts(ANY_OBJECT, "{\"a\":" + digits + "}")).isTrue();
        assertThat(acceptsPrefix(ANY_OBJECT, "{\"a\":" + digits + "9")).isFalse();
        assertThat(acceptsPrefix(ANY_OBJECT, "{\"a\":1e999")).isTrue();
        assertThat(acceptsPrefix(ANY_OBJECT, "{\"a\":1e9999")).isFalse();
    }

    @Test
    void shouldAcceptWhenDocumentFollowsSchema() {
        assertThat(
                        List.of(
                                "{\"name\":\"\",\"age\":0,\"tags\":[\"\"],\"point\":{\"x\":0,\"y\":0}}",
                                "{ \"name\": \"Ann\", \"age\": -42, \"score\": 1.5e-3,"
                                        + " \"active\": false, \"nickname\": null,"
                                        + " \"colour\": \"caf\\u00E9\", \"level\": \"high\","
                                        + " \"tags\": [\"a\", \"b\", \"c\"],"
                                        + " \"point\": {\"x\": 1, \"y\": 2, \"labels\": [true]},"
                                        + " \"extra\": {\"free\": [1, {}]},"
                                        + " \"anything\": [null], \"nothing\": null }",
                                "{\"name\":\"x\",\"age\":1,\"colour\":12,\"tags\":[\"t\"],"
                                        + "\"point\":{\"x\":1,\"y\":2},\"anything\":\"s\"}",
                                "{\"name\":\"x\",\"age\":1,\"colour\":1,\"tags\":[\"t\"],"
                                        + "\"point\":{\"x\":1,\"y\":2}}"))
                .allSatisfy(text -> assertThat(accepts(EVERY_KEYWORD, text)).as(text).isTrue());
    }

    @Test
    void shouldRejectWhenDocumentBreaksSchema() {
        String point = "\"point\":{\"x\":0,\"y\":0}";
        assertThat(
                        List.of(
                                // a required property missing
                                "{\"age\":0,\"tags\":[\"\"]," + point + "}",
                                "{\"name\":\"\",\"age\":0,\"tags\":[\"\"]}",
                                // out of declared order
                                "{\"age\":0,\"name\":\"\",\"tags\":[\"\"]," + point + "}",
                                // an undeclared property
                                "{\"name\":\"\",\"zzz\":0,\"age\":0,\"tags\":[\"\"]," + point + "}",
                                // wrong types
                                "{\"name\":1,\"age\":0,\"tags\":[\"\"]," + point + "}",
                                "{\"name\":\"\",\"age\":1.5,\"tags\":[\"\"]," + point + "}",
                                "{\"name\":\"\",\"age\":1e3,\"tags\":[\"\"]," + point + "}",
                                "{\"name\":\"\",\"age\":0,\"active\":\"no\",\"tags\":[\"\"],"
                                        + point
                                        + "}",
                                // enum
                                "{\"name\":\"\",\"age\":0,\"colour\":\"blue\",\"tags\":[\"\"],"
                                        + point
                                        + "}",
                                "{\"name\":\"\",\"age\":0,\"colour\":123,\"tags\":[\"\"],"
                                        + point
                                        + "}",
                                "{\"name\":\"\",\"age\":0,\"colour\":\"caf\u00e9\",\"tags\":[\"\"],"
                                        + point
                                        + "}",
                                // minItems, maxItems
                                "{\"name\":\"\",\"age\":0,\"tags\":[]," + point + "}",
                                "{\"name\":\"\",\"age\":0,\"tags\":[\"\",\"\",\"\",\"\"],"
                                        + point
                                        + "}",
                                // nested required and additionalProperties
                                "{\"name\":\"\",\"age\":0,\"tags\":[\"\"],\"point\":{\"x\":0}}",
                                "{\"name\":\"\",\"age\":0,\"tags\":[\"\"],"
                                        + "\"point\":{\"x\":0,\"y\":0,\"z\":0}}",
                                "{\"name\":\"\",\"age\":0,\"tags\":[\"\"],"
                                        + "\"point\":{\"x\":0,\"y\":0,\"labels\":[1]}}"))
                .allSatisfy(text -> assertThat(accepts(EVERY_KEYWORD, text)).as(text).isFalse());
    }

    @Test
    void shouldOfferAPrintableByteLoweringTheCostByOneWhenNotDone() {
        // The token budget rests on this: the cost is exact, so some printable ASCII byte lowers
        // it by one, and no byte lowers it by more.
        SplittableRandom random = new SplittableRandom(7);
        for (JsonGrammar grammar : List.of(ANY_OBJECT, EVERY_KEYWORD)) {
            for (int walk = 0; walk < 300; walk++) {
                Frame state = Frame.start(grammar);
                for (int step = 0; step < 200 && !state.isDone(); step++) {
                    int cost = state.cost();
                    int best = JsonGrammar.INFINITE;
                    List<Frame> next = new ArrayList<>();
                    for (int b = 0; b < 256; b++) {
                        Frame after = state.step(b);
                        if (after == null) {
                            continue;
                        }
                        assertThat(after.cost()).isGreaterThanOrEqualTo(cost - 1);
                        if (b >= 0x20 && b <= 0x7E) {
                            best = Math.min(best, after.cost());
                        }
                        // Multi-byte characters only start where text goes; keep walks ASCII.
                        if (b < 0x80) {
                            next.add(after);
                        }
                    }
                    assertThat(best).as("cheapest byte after cost %d", cost).isEqualTo(cost - 1);
                    state = next.get(random.nextInt(next.size()));
                }
            }
        }
    }

    @Test
    void shouldCostTheShortestDocumentWhenStarting() {
        String shortest = "{\"name\":\"\",\"age\":0,\"tags\":[\"\"],\"point\":{\"x\":0,\"y\":0}}";
        assertThat(Frame.start(EVERY_KEYWORD).cost()).isEqualTo(shortest.length());
        assertThat(Frame.start(ANY_OBJECT).cost()).isEqualTo(2);
    }
}
