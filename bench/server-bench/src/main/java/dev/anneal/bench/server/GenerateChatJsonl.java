package dev.anneal.bench.server;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Writes a realistic chat fine-tuning dataset (JSONL) of about the given size, for benchmarks
 * ({@code bench/upload-bench.sh} runs it).
 *
 * <pre>
 * java -cp bench/server-bench/target/anneal-server-bench.jar dev.anneal.bench.server.GenerateChatJsonl &lt;bytes&gt; &lt;out-file&gt;
 * </pre>
 *
 * <p>{@code <bytes>} is e.g. 256M, 1G, 1500000 or 64K. Every line is {@code
 * {"messages":[{"role":"user","content":"…"},{"role":"assistant","content":"…"}]}}, sometimes with
 * a leading system message and several turns; lines are ~300 B to ~3 KB, contain JSON escapes (of
 * newlines, tabs, quotes, backslashes and a non-ASCII letter) and non-ASCII UTF-8 text.
 * Deterministic (fixed seed): the same size gives the same bytes. The file ends at the first line
 * boundary at or past the requested size, so it is at most one line (~3 KB) larger.
 */
public final class GenerateChatJsonl {

    private static final long SEED = 0x5EEDC0FFEEL;

    /** Fragments of message text, already JSON-escaped as they appear inside a string. */
    private static final String[] PHRASES = {
        "Sure, here is a short summary of the main points.",
        "The quarterly report shows revenue growth of 12% compared to last year.",
        "Can you explain how gradient descent works in simple terms?",
        "Gradient descent moves the parameters a small step against the gradient of the loss.",
        "First, install the dependencies:\\n\\n```bash\\npip install -r requirements.txt\\n```\\n",
        "He said \\\"it works on my machine\\\" and closed the ticket.",
        "The path is C:\\\\Users\\\\anna\\\\Documents\\\\report.docx on the old laptop.",
        "Column A\\tColumn B\\tColumn C\\n1\\t2\\t3\\n",
        "Merci beaucoup, c'était très utile ! À bientôt.",
        "Die Größe der Datei überschreitet das Limit; bitte kürzen Sie sie.",
        "¿Dónde está la estación de tren más cercana?",
        "日本語のテキストも正しく処理する必要があります。",
        "这是一个用于测试的中文句子，包含标点符号。",
        "Привет! Как дела? Надеюсь, всё хорошо.",
        "Καλημέρα, τι κάνεις σήμερα;",
        "The caf\\u00e9 on the corner serves a na\\u00efve but charming cr\\u00e8me br\\u00fbl\\u00e9e.",
        "Thanks, that fixed it 🙂 — the build is green again.",
        "Here is the function:\\n\\n```python\\ndef add(a, b):\\n    return a + b\\n```",
        "```java\\nList<String> names = users.stream().map(User::name).toList();\\n```",
        "Step 1: open the settings.\\nStep 2: choose \\\"Privacy\\\".\\nStep 3: save.",
        "I'm not sure I understand the question; could you give an example?",
        "In short: yes, but only if the input is sorted first.",
        "The meeting is moved to Thursday at 10:30 (CET).",
        "Please translate the following sentence into French.",
        "Note that the temperature is given in °C, not °F.",
        "The customer wrote: \\\"My order #4471 arrived damaged.\\\" How should I reply?",
        "We apologise for the inconvenience and will send a replacement today.",
        "A JSON object looks like {\\\"key\\\": \\\"value\\\", \\\"n\\\": 3}.",
        "Line one\\nLine two\\nLine three",
        "The answer is 42, as computed by 6 × 7.",
        "Be concise, polite and accurate.",
        "Regular expressions such as ^\\\\d{3}-\\\\d{4}$ match local phone numbers.",
        "Overall, the approach is sound, although the edge cases need more tests.",
        "Let me know if you need anything else!",
        "The invoice total is €1,250.00 including VAT.",
        "Summarise the text below in three bullet points:\\n- speed\\n- cost\\n- quality",
    };

    private static final String[] SYSTEM_PROMPTS = {
        "You are a helpful assistant.",
        "You are a customer support agent for Acme Corp. Answer politely and briefly.",
        "You are an expert Python programmer. Explain code step by step.",
        "Tu es un assistant qui répond toujours en français.",
        "You are a careful translator. Keep the \\\"tone\\\" of the original text.",
    };

    private static final byte[][] PHRASE_BYTES = utf8(PHRASES);
    private static final byte[][] SYSTEM_BYTES = utf8(SYSTEM_PROMPTS);
    private static final byte[] LINE_START = utf8("{\"messages\":[");
    private static final byte[] LINE_END = utf8("]}\n");
    private static final byte[] SYSTEM_START = utf8("{\"role\":\"system\",\"content\":\"");
    private static final byte[] USER_START = utf8("{\"role\":\"user\",\"content\":\"");
    private static final byte[] ASSISTANT_START = utf8("{\"role\":\"assistant\",\"content\":\"");
    private static final byte[] MESSAGE_END = utf8("\"}");

    private static final int BUFFER_SIZE = 4 << 20;
    private static final int MAX_LINE = 8 * 1024;

    private final byte[] buffer = new byte[BUFFER_SIZE];
    private int used;
    private long state = SEED;

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: GenerateChatJsonl <bytes, e.g. 256M or 1G> <out-file>");
            System.exit(2);
        }
        long target = parseSize(args[0]);
        long start = System.nanoTime();
        long[] result;
        try (OutputStream out = new FileOutputStream(args[1])) {
            result = new GenerateChatJsonl().write(out, target);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.err.printf(
                Locale.ROOT,
                "wrote %d bytes, %d lines to %s in %.2f s (%.0f MB/s)%n",
                result[0],
                result[1],
                args[1],
                seconds,
                result[0] / 1e6 / seconds);
    }

    static long parseSize(String text) {
        String s = text.trim().toUpperCase(Locale.ROOT);
        if (s.endsWith("IB")) {
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("B")
                && s.length() > 1
                && !Character.isDigit(s.charAt(s.length() - 2))) {
            s = s.substring(0, s.length() - 1);
        }
        long unit = 1;
        char last = s.isEmpty() ? ' ' : s.charAt(s.length() - 1);
        switch (last) {
            case 'K' -> unit = 1L << 10;
            case 'M' -> unit = 1L << 20;
            case 'G' -> unit = 1L << 30;
            case 'T' -> unit = 1L << 40;
            default -> unit = 1;
        }
        if (unit != 1) {
            s = s.substring(0, s.length() - 1);
        }
        try {
            long value = Long.parseLong(s.trim());
            if (value < 0) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(value, unit);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "not a size: '" + text + "' (use e.g. 1048576, 256M, 1G)");
        }
    }

    /** Returns {bytes, lines}. */
    long[] write(OutputStream out, long target) throws IOException {
        long written = 0;
        long lines = 0;
        while (written < target) {
            if (used + MAX_LINE > BUFFER_SIZE) {
                out.write(buffer, 0, used);
                used = 0;
            }
            int before = used;
            line();
            written += used - before;
            lines++;
        }
        out.write(buffer, 0, used);
        used = 0;
        return new long[] {written, lines};
    }

    /** One line of ~300 B to ~3 KB. */
    private void line() {
        // Skewed towards shorter lines, as in real chat data: 300 + up to 2700, squared uniform.
        double u = nextDouble();
        int budget = 300 + (int) (2700 * u * u);
        int start = used;
        put(LINE_START);
        if (next(4) == 0) { // one line in four has a system prompt
            put(SYSTEM_START);
            put(SYSTEM_BYTES[next(SYSTEM_BYTES.length)]);
            put(MESSAGE_END);
            put((byte) ',');
        }
        int turns = 1 + (budget > 1200 ? next(3) : 0);
        int perMessage = Math.max(40, (budget - 60) / (2 * turns) - 60);
        for (int t = 0; t < turns; t++) {
            if (t > 0) {
                put((byte) ',');
            }
            message(USER_START, perMessage / 2 + next(perMessage / 2 + 1));
            put((byte) ',');
            int remaining = budget - (used - start) - MESSAGE_END.length - LINE_END.length - 34;
            int want = t == turns - 1 ? remaining : perMessage + next(perMessage / 2 + 1);
            message(ASSISTANT_START, Math.max(20, want));
        }
        put(LINE_END);
    }

    private void message(byte[] head, int textBytes) {
        put(head);
        int end = used + Math.min(textBytes, 3500);
        put(PHRASE_BYTES[next(PHRASE_BYTES.length)]);
        while (used < end) {
            put((byte) ' ');
            put(PHRASE_BYTES[next(PHRASE_BYTES.length)]);
        }
        put(MESSAGE_END);
    }

    private void put(byte[] b) {
        System.arraycopy(b, 0, buffer, used, b.length);
        used += b.length;
    }

    private void put(byte b) {
        buffer[used++] = b;
    }

    /** splitmix64: fast, deterministic. */
    private long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private int next(int bound) {
        return (int) ((nextLong() >>> 33) % bound);
    }

    private double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[][] utf8(String[] strings) {
        byte[][] result = new byte[strings.length][];
        for (int i = 0; i < strings.length; i++) {
            result[i] = utf8(strings[i]);
        }
        return result;
    }
}
