package dev.anneal.tuner.tokenizer.jinja;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import jinjava.javax.el.CompositeELResolver;

/**
 * A Jinja template rendered by Jinjava so that its output is byte for byte what Jinja2 renders in
 * Hugging Face's {@code apply_chat_template}: {@code
 * ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)} with the globals {@code
 * raise_exception} and {@code strftime_now} and the filter {@code tojson}.
 *
 * <p>Where Jinjava and Jinja2 differ, Jinja2 wins: its whitespace rules are applied to the source
 * and expressions print booleans as Python does ({@link JinjaSource}); Python's {@code str} methods
 * ({@link PythonStringMethods}), {@code tojson}, {@code trim}, {@code length} and {@code items}
 * replace or complete Jinjava's ({@link HuggingFaceFilters}); an unknown filter or test refuses the
 * template instead of printing nothing; values are never rendered again as templates (Jinjava's
 * "nested interpretation", which would let a message that contains {@code {{ }}} run code); {@code
 * {% generation %}} is understood; control characters in values are written as they are, not as
 * JSON escapes ({@link ControlCharacters}). Known differences that remain, none of them in the
 * tested templates: {@code none} prints as an empty string (Jinja2: {@code None}), an undefined
 * variable {@code is none}, a variable bound to {@code null} is not {@code defined}, {@code
 * loop.previtem}, {@code loop.nextitem} and {@code loop.cycle} do not exist, a boolean inside a
 * printed list or joined with {@code ~} prints lower case, and the filters {@code min} and {@code
 * max} are missing.
 *
 * <p>Immutable and thread-safe: each render gets its own Jinjava interpreter, each thread its own
 * engine.
 */
public final class JinjaTemplate {

    /**
     * One engine per thread: Jinjava records every render's resolved names in its global context, a
     * plain {@code HashSet} that concurrent renders on one instance would corrupt.
     */
    private static final ThreadLocal<Jinjava> JINJAVA =
            ThreadLocal.withInitial(JinjaTemplate::engine);

    private final String source;

    private JinjaTemplate(String source) {
        this.source = source;
    }

    /**
     * Prepares a template. Errors other than an unclosed tag or string and an unknown filter or
     * test show up when it renders.
     *
     * @param source the template text, as {@code tokenizer_config.json} holds it
     * @return the template
     * @throws JinjaTemplateException if a tag, comment or string is not closed, or a filter or test
     *     is unknown
     */
    public static JinjaTemplate compile(String source) {
        JinjaSource rewritten = JinjaSource.forJinjava(Objects.requireNonNull(source));
        Context globals = JINJAVA.get().getGlobalContext();
        for (String filter : rewritten.filters()) {
            if (globals.getFilter(filter) == null) {
                throw new JinjaTemplateException("No filter named '" + filter + "'");
            }
        }
        for (String test : rewritten.tests()) {
            if (globals.getExpTest(test) == null) {
                throw new JinjaTemplateException("No test named '" + test + "'");
            }
        }
        return new JinjaTemplate(rewritten.text());
    }

    /**
     * Renders the template.
     *
     * @param variables the template's variables ({@code messages}, {@code add_generation_prompt},
     *     {@code bos_token}...): strings, numbers, booleans, lists and maps of them
     * @param clock the clock {@code strftime_now} reads
     * @return the rendered text
     * @throws TemplateRaisedException if the template called {@code raise_exception}
     * @throws JinjaTemplateException if the template cannot be rendered
     */
    public String render(Map<String, ?> variables, Clock clock) {
        boolean shielded = !ControlCharacters.anyPlaceholderIn(variables);
        Map<String, Object> bindings = new HashMap<>();
        variables.forEach(
                (name, value) ->
                        bindings.put(name, shielded ? ControlCharacters.shield(value) : value));
        bindings.putIfAbsent(
                HuggingFaceGlobals.STRFTIME_NOW,
                new HuggingFaceGlobals.FunctionMarker(HuggingFaceGlobals.STRFTIME_NOW));
        bindings.put(HuggingFaceGlobals.CLOCK, clock);
        RenderResult result = JINJAVA.get().renderForResult(source, bindings);
        TemplateError fatal = null;
        for (TemplateError error : result.getErrors()) {
            TemplateRaisedException raised = raised(error.getException());
            if (raised != null) {
                throw raised;
            }
            if (fatal == null && error.getSeverity() == TemplateError.ErrorType.FATAL) {
                fatal = error;
            }
        }
        if (fatal != null) {
            throw new JinjaTemplateException(
                    fatal.getMessage() + " (line " + fatal.getLineno() + ")");
        }
        return shielded ? ControlCharacters.unshield(result.getOutput()) : result.getOutput();
    }

    private static TemplateRaisedException raised(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof TemplateRaisedException raised) {
                return raised;
            }
        }
        return null;
    }

    private static Jinjava engine() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config =
                JinjavaConfig.newBuilder()
                        .withTrimBlocks(false)
                        .withLstripBlocks(false)
                        .withNestedInterpretationEnabled(false)
                        .withFailOnUnknownTokens(false)
                        .withElResolver(resolver)
                        .withLegacyOverrides(
                                LegacyOverrides.newBuilder()
                                        .withUsePyishObjectMapper(true)
                                        .withKeepNullableLoopValues(true)
                                        .withIterateOverMapKeys(true)
                                        .build())
                        .build();
        Jinjava jinjava = new Jinjava(config);
        Context globals = jinjava.getGlobalContext();
        for (ELFunctionDefinition function : HuggingFaceGlobals.definitions()) {
            globals.registerFunction(function);
        }
        for (Filter filter : HuggingFaceFilters.filters()) {
            globals.registerFilter(filter);
        }
        globals.registerTag(new GenerationTag());
        return jinjava;
    }
}
