package dev.anneal.tuner.tokenizer.jinja;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.filter.LengthFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Filters whose Jinjava versions write other bytes than Jinja2 as Hugging Face configures it:
 * {@code tojson} is Python's {@code json.dumps} ({@link PythonJson}), {@code trim} strips what
 * Python calls whitespace, {@code length} counts a string's code points as {@code len()} does; and
 * {@code items}, which Jinjava lacks.
 */
final class HuggingFaceFilters {

    private HuggingFaceFilters() {}

    /** The filters to register in place of Jinjava's. */
    static Filter[] filters() {
        return new Filter[] {new ToJson(), new Trim(), new Length(), new Items()};
    }

    /** {@code items}: a mapping's key-value pairs (Jinja2 3.1; Llama 3.1 writes tool calls so). */
    static final class Items implements Filter {
        @Override
        public String getName() {
            return "items";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (var instanceof Map<?, ?> map) {
                return new ArrayList<>(map.entrySet());
            }
            return List.of();
        }
    }

    /** {@code tojson(ensure_ascii=False, indent=None, separators=None, sort_keys=False)}. */
    static final class ToJson implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return PythonJson.DEFAULT.dumps(ControlCharacters.reveal(var));
        }

        @Override
        public Object filter(
                Object var,
                JinjavaInterpreter interpreter,
                Object[] args,
                Map<String, Object> kwargs) {
            Object ensureAscii = argument(args, kwargs, 0, "ensure_ascii");
            Object indent = argument(args, kwargs, 1, "indent");
            Object separators = argument(args, kwargs, 2, "separators");
            Object sortKeys = argument(args, kwargs, 3, "sort_keys");
            return PythonJson.of(
                            Boolean.TRUE.equals(ensureAscii),
                            indent,
                            separators,
                            Boolean.TRUE.equals(sortKeys))
                    .dumps(ControlCharacters.reveal(var));
        }

        private static Object argument(
                Object[] args, Map<String, Object> kwargs, int position, String name) {
            if (kwargs != null && kwargs.containsKey(name)) {
                return kwargs.get(name);
            }
            return args != null && position < args.length ? args[position] : null;
        }
    }

    /** {@code trim(chars=None)}: Python's {@code str.strip}. */
    static final class Trim implements Filter {
        @Override
        public String getName() {
            return "trim";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            String chars = args != null && args.length > 0 ? args[0] : null;
            return PythonStrings.strip(var == null ? "" : var.toString(), chars);
        }
    }

    /** {@code length}: code points for a string, Jinjava's count for anything else. */
    static final class Length implements Filter {
        private final LengthFilter jinjava = new LengthFilter();

        @Override
        public String getName() {
            return "length";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (var instanceof String s) {
                return (long) s.codePointCount(0, s.length());
            }
            return jinjava.filter(var, interpreter, args);
        }
    }
}
