package dev.anneal.tuner.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real models' chat templates rendered by the engine against Jinja2's renders of the same
 * conversations: {@code src/test/resources/fixtures/chat-templates/}, made by {@code
 * src/test/python/render_chat_templates.py} (see the README there). Comparing the Java strings with
 * the files read as UTF-8, which fails on a malformed byte, compares the bytes.
 */
class ChatTemplateRenderingTest {

    private static final Path FIXTURES =
            Path.of("src", "test", "resources", "fixtures", "chat-templates");
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One conversation rendered by one template.
     *
     * @param template the fixture's name
     * @param conversation the conversation's name in {@code cases.json}
     * @param chat the template, its special tokens and the fixed clock of {@code cases.json}
     * @param messages the conversation
     * @param addGenerationPrompt whether to end with a generation prompt
     * @param endOfTurn the template's end-of-turn marker, or {@code null} for the idioms fixture
     */
    record Case(
            String template,
            String conversation,
            ChatTemplate chat,
            List<ChatMessage> messages,
            boolean addGenerationPrompt,
            String endOfTurn) {

        Path reference(String suffix) {
            return FIXTURES.resolve(template + "." + conversation + suffix);
        }

        @Override
        public String toString() {
            return template + " / " + conversation;
        }
    }

    static Stream<Case> renders() {
        return cases("renders");
    }

    static Stream<Case> rejects() {
        return cases("rejects");
    }

    static Stream<Case> assistantTurns() {
        return renders()
                .filter(c -> c.endOfTurn() != null)
                .filter(
                        c ->
                                c.messages().stream()
                                        .anyMatch(m -> m.role() == ChatMessage.Role.ASSISTANT));
    }

    static Stream<Case> endsOfTurn() {
        return renders()
                .filter(c -> c.endOfTurn() != null)
                .filter(c -> c.conversation().equals("multi-turn-no-system"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renders")
    void shouldRenderJinja2sBytesWhenTemplateIsAModelsOwn(Case c) throws IOException {
        String expected = Files.readString(c.reference(".txt"));

        String rendered = c.chat().render(c.messages(), c.addGenerationPrompt()).text();

        assertThat(rendered).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejects")
    void shouldRefuseWithTemplatesMessageWhenTemplateRaisesException(Case c) throws IOException {
        String expected = Files.readString(c.reference(".error.txt"));

        assertThatThrownBy(() -> c.chat().render(c.messages(), c.addGenerationPrompt()))
                .isInstanceOf(InvalidConversationException.class)
                .hasMessage(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("assistantTurns")
    void shouldSpanEachAnswerAndItsEndOfTurnWhenConversationHasAssistantTurns(Case c) {
        ChatTemplate.Rendered rendered = c.chat().render(c.messages(), c.addGenerationPrompt());

        List<String> spans =
                rendered.assistantSpans().stream()
                        .map(span -> rendered.text().substring(span.start(), span.end()))
                        .toList();
        List<ChatMessage> answers =
                c.messages().stream().filter(m -> m.role() == ChatMessage.Role.ASSISTANT).toList();
        assertThat(spans).hasSameSizeAs(answers);
        for (int i = 0; i < spans.size(); i++) {
            String span = spans.get(i);
            assertThat(span).endsWith(c.endOfTurn());
            String answer =
                    span.substring(0, span.length() - c.endOfTurn().length()).stripTrailing();
            String content = answers.get(i).content();
            assertThat(answer).isIn(content.stripTrailing(), content.strip());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("endsOfTurn")
    void shouldStopAtTemplatesEndOfTurnWhenGenerating(Case c) {
        assertThat(c.chat().stopStrings()).containsExactly(c.endOfTurn());
    }

    private static Stream<Case> cases(String outcome) {
        JsonNode spec = read("cases.json");
        Clock clock =
                Clock.fixed(
                        LocalDateTime.parse(spec.path("now").asText()).toInstant(ZoneOffset.UTC),
                        ZoneOffset.UTC);
        List<Case> cases = new ArrayList<>();
        spec.path("templates")
                .fields()
                .forEachRemaining(
                        template -> {
                            String name = template.getKey();
                            JsonNode t = template.getValue();
                            Map<String, Object> tokens = new HashMap<>();
                            t.path("special_tokens")
                                    .fields()
                                    .forEachRemaining(
                                            e -> tokens.put(e.getKey(), e.getValue().asText()));
                            ChatTemplate chat =
                                    ChatTemplate.of(source(name), tokens).withClock(clock);
                            String endOfTurn =
                                    t.hasNonNull("end_of_turn")
                                            ? t.path("end_of_turn").asText()
                                            : null;
                            for (JsonNode conversation : t.path(outcome)) {
                                JsonNode c = spec.path("conversations").path(conversation.asText());
                                cases.add(
                                        new Case(
                                                name,
                                                conversation.asText(),
                                                chat,
                                                messages(c.path("messages")),
                                                c.path("add_generation_prompt").asBoolean(),
                                                endOfTurn));
                            }
                        });
        return cases.stream();
    }

    private static List<ChatMessage> messages(JsonNode array) {
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonNode m : array) {
            ChatMessage.Role role =
                    ChatMessage.Role.valueOf(m.path("role").asText().toUpperCase(Locale.ROOT));
            messages.add(new ChatMessage(role, m.path("content").asText()));
        }
        return messages;
    }

    private static String source(String template) {
        try {
            return Files.readString(FIXTURES.resolve(template + ".jinja"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode read(String file) {
        try {
            return JSON.readTree(FIXTURES.resolve(file).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
