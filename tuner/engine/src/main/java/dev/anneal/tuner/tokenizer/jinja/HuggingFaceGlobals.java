package dev.anneal.tuner.tokenizer.jinja;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import java.lang.reflect.Method;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.Locale;

/**
 * The functions Hugging Face's {@code apply_chat_template} adds to Jinja's globals, and the one
 * that prints expressions ({@link JinjaSource#PRINT_FUNCTION}): {@code raise_exception(message)},
 * which refuses the input, and {@code strftime_now(format)}, today's date in Python's {@code
 * strftime} format (Llama 3.x writes "Today Date: 26 Jul 2024" into its system message).
 *
 * <p>Jinjava calls functions as static methods; {@code strftime_now} reads the render's clock from
 * a context entry whose name no template can spell ({@link #CLOCK}). Since Llama's template asks
 * {@code strftime_now is defined} before calling it, the render also binds a variable of that name
 * ({@link #STRFTIME_NOW}), which a function alone would not make defined in Jinjava.
 */
final class HuggingFaceGlobals {

    /** The context entry holding the {@link Clock} that {@code strftime_now} reads. */
    static final String CLOCK = "anneal.clock";

    /** The name of {@code strftime_now}, bound as a variable too. */
    static final String STRFTIME_NOW = "strftime_now";

    private HuggingFaceGlobals() {}

    /** The function definitions to register. */
    static ELFunctionDefinition[] definitions() {
        return new ELFunctionDefinition[] {
            definition("raise_exception", "raiseException"),
            definition(STRFTIME_NOW, "strftimeNow"),
            definition(JinjaSource.PRINT_FUNCTION, "print")
        };
    }

    private static ELFunctionDefinition definition(String name, String method) {
        try {
            Method target = HuggingFaceGlobals.class.getDeclaredMethod(method, Object.class);
            target.setAccessible(true);
            return new ELFunctionDefinition("", name, target);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code raise_exception(message)}: never returns. */
    static Object raiseException(Object message) {
        throw new TemplateRaisedException(String.valueOf(message));
    }

    /** {@code strftime_now(format)}: the render clock's local date and time, formatted. */
    static String strftimeNow(Object format) {
        Clock clock = (Clock) JinjavaInterpreter.getCurrent().getContext().get(CLOCK);
        return StrftimeFormatter.format(
                ZonedDateTime.now(clock == null ? Clock.systemDefaultZone() : clock),
                String.valueOf(format),
                Locale.ENGLISH);
    }

    /** What {@code {{ value }}} prints: a boolean as Python does, anything else as Jinjava does. */
    static Object print(Object value) {
        if (value instanceof Boolean b) {
            return b ? "True" : "False";
        }
        return value;
    }

    /** The value bound to {@code strftime_now}, so that {@code strftime_now is defined}. */
    static final class FunctionMarker {
        private final String name;

        FunctionMarker(String name) {
            this.name = name;
        }

        @Override
        public String toString() {
            return "<function " + name + ">";
        }
    }
}
