package dev.anneal.tuner.tokenizer.jinja;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The engine's own contracts; rendering against Jinja2 is {@code ChatTemplateRenderingTest}'s (the
 * {@code jinja-idioms} fixture covers whitespace control, Python string methods, {@code tojson} and
 * the rest).
 */
class JinjaTemplateTest {

    private static final Clock CLOCK = Clock.systemUTC();

    @Test
    void shouldWriteControlCharactersAsTheyAreWhenRendering() {
        StringBuilder every = new StringBuilder("a");
        for (char c = 0; c < 0x20; c++) {
            every.append(c).append('b');
        }
        every.append("\u007f\"\\ \uDBFF\uDF40"); // DEL, a quote, a backslash, a private-use char
        String text = every.toString();

        // as Jinja2 does; Jinjava alone writes most of them as JSON escapes (\u0007, \b)
        assertThat(JinjaTemplate.compile("{{ m }}").render(Map.of("m", text), CLOCK))
                .isEqualTo(text);
        assertThat(
                        JinjaTemplate.compile(
                                        "{% for x in xs %}[{{ x['content'] + '|' }}]{% endfor %}")
                                .render(
                                        Map.of(
                                                "xs",
                                                List.of(
                                                        Map.of("content", "bell\u0007"),
                                                        Map.of("content", "tab\tnul\u0000"))),
                                        CLOCK))
                .isEqualTo("[bell\u0007|][tab\tnul\u0000|]");
        // tojson escapes them, as Python's json.dumps does
        assertThat(JinjaTemplate.compile("{{ m | tojson }}").render(Map.of("m", "a\u0007"), CLOCK))
                .isEqualTo("\"a\\u0007\"");
    }

    @Test
    void shouldThrowTemplatesMessageWhenTemplateRaisesException() {
        JinjaTemplate template =
                JinjaTemplate.compile(
                        "{% if n > 1 %}{{ raise_exception('n is ' ~ n) }}{% endif %}after");

        assertThatThrownBy(() -> template.render(Map.of("n", 2), CLOCK))
                .isInstanceOf(TemplateRaisedException.class)
                .hasMessage("n is 2");
        assertThat(template.render(Map.of("n", 1), CLOCK)).isEqualTo("after");
    }

    @Test
    void shouldRefuseTemplateWhenFilterOrTestIsUnknown() {
        assertThatThrownBy(() -> JinjaTemplate.compile("{{ 'a|b' ~ x | no_such_filter }}"))
                .isInstanceOf(JinjaTemplateException.class)
                .hasMessage("No filter named 'no_such_filter'");
        assertThatThrownBy(() -> JinjaTemplate.compile("{% if x is not no_such_test %}{% endif %}"))
                .isInstanceOf(JinjaTemplateException.class)
                .hasMessage("No test named 'no_such_test'");
    }

    @Test
    void shouldNameLineWhenFunctionIsUnknown() {
        JinjaTemplate template = JinjaTemplate.compile("line one\n{{ no_such_function(1) }}");

        assertThatThrownBy(() -> template.render(Map.of(), CLOCK))
                .isInstanceOf(JinjaTemplateException.class)
                .hasMessageContaining("no_such_function")
                .hasMessageContaining("line 2");
    }

    @Test
    void shouldRefuseSourceWhenTagIsNotClosed() {
        assertThatThrownBy(() -> JinjaTemplate.compile("a\n{% if true %}b{{ c "))
                .isInstanceOf(JinjaTemplateException.class)
                .hasMessageContaining("line 2");
    }

    @Test
    void shouldRenderSameTextWhenManyThreadsRenderAtOnce() throws Exception {
        JinjaTemplate template =
                JinjaTemplate.compile(
                        "{%- for m in messages %}<{{ m.role }}>{{ m.content | trim }}{% endfor %}");
        List<Map<String, String>> messages = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            messages.add(Map.of("role", "user", "content", " message " + i + " "));
        }
        String expected = template.render(Map.of("messages", messages), CLOCK);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(
                        pool.submit(
                                () -> {
                                    for (int i = 0; i < 100; i++) {
                                        String text =
                                                template.render(
                                                        Map.of("messages", messages), CLOCK);
                                        if (!text.equals(expected)) {
                                            return false;
                                        }
                                    }
                                    return true;
                                }));
            }
            for (Future<Boolean> result : results) {
                assertThat(result.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
