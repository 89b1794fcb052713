package dev.anneal.tuner.tokenizer.jinja;

import java.beans.FeatureDescriptor;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Resolves method calls on strings to Python's {@code str} methods ({@link PythonStrings}): {@code
 * strip}, {@code lstrip}, {@code rstrip}, {@code split}, {@code startswith}, {@code endswith},
 * {@code replace}, {@code upper}, {@code lower}, {@code title}, {@code capitalize}, {@code find},
 * {@code count}, {@code join}. Placed before Jinjava's own resolvers, it takes precedence over the
 * Java methods of the same name ({@code String.strip}, {@code String.split}) whose results differ.
 * Any other call is left to the next resolver. Stateless and thread-safe.
 */
final class PythonStringMethods extends ELResolver {

    @Override
    public Object invoke(
            ELContext context, Object base, Object method, Class<?>[] types, Object[] params) {
        if (!(base instanceof String s) || method == null) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        Object result = call(s, method.toString(), args);
        if (result != null) {
            context.setPropertyResolved(true);
        }
        return result;
    }

    /** The method's result, or {@code null} if it is not one of these methods. */
    private static Object call(String s, String method, Object[] args) {
        return switch (method) {
            case "strip" -> PythonStrings.strip(s, text(args, 0));
            case "lstrip" -> PythonStrings.lstrip(s, text(args, 0));
            case "rstrip" -> PythonStrings.rstrip(s, text(args, 0));
            case "split" -> PythonStrings.split(s, text(args, 0), number(args, 1, -1));
            case "startswith" -> anyMatch(args, s::startsWith);
            case "endswith" -> anyMatch(args, s::endsWith);
            case "replace" -> replace(s, text(args, 0), text(args, 1), number(args, 2, -1));
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "title" -> PythonStrings.title(s);
            case "capitalize" -> PythonStrings.capitalize(s);
            case "find" -> (long) s.indexOf(required(text(args, 0)));
            case "count" -> count(s, required(text(args, 0)));
            case "join" -> join(s, args.length > 0 ? args[0] : null);
            default -> null;
        };
    }

    private static String text(Object[] args, int index) {
        return index < args.length && args[index] != null ? args[index].toString() : null;
    }

    private static int number(Object[] args, int index, int absent) {
        return index < args.length && args[index] instanceof Number n ? n.intValue() : absent;
    }

    private static String required(String arg) {
        if (arg == null) {
            throw new IllegalArgumentException("a string argument is required");
        }
        return arg;
    }

    /** {@code startswith}/{@code endswith} take a string or a tuple of strings. */
    private static boolean anyMatch(Object[] args, java.util.function.Predicate<String> test) {
        Object arg = args.length > 0 ? args[0] : null;
        if (arg instanceof Collection<?> options) {
            return options.stream().anyMatch(o -> test.test(String.valueOf(o)));
        }
        return test.test(required(text(args, 0)));
    }

    private static String replace(String s, String old, String replacement, int count) {
        required(old);
        required(replacement);
        if (count < 0) {
            return s.replace(old, replacement);
        }
        StringBuilder out = new StringBuilder();
        int start = 0;
        for (int n = 0; n < count; n++) {
            int at = old.isEmpty() ? (start <= s.length() ? start : -1) : s.indexOf(old, start);
            if (at < 0) {
                break;
            }
            out.append(s, start, at).append(replacement);
            if (old.isEmpty()) {
                if (at < s.length()) {
                    out.append(s.charAt(at));
                }
                start = at + 1;
            } else {
                start = at + old.length();
            }
        }
        if (start <= s.length()) {
            out.append(s.substring(start));
        }
        return out.toString();
    }

    private static long count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.codePointCount(0, s.length()) + 1L;
        }
        long n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    private static String join(String separator, Object items) {
        StringJoiner joined = new StringJoiner(separator);
        if (items instanceof Iterable<?> values) {
            values.forEach(v -> joined.add(String.valueOf(v)));
        } else if (items instanceof String text) {
            text.codePoints().forEach(c -> joined.add(Character.toString(c)));
        } else {
            throw new IllegalArgumentException("join needs a list of strings");
        }
        return joined.toString();
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {}

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return List.<FeatureDescriptor>of().iterator();
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
