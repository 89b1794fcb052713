package dev.anneal.api.file;

import dev.anneal.store.InvalidRequestException;
import dev.anneal.store.file.format.ByteScan;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads a {@code multipart/form-data} body (RFC 7578) part by part as it streams in, holding no
 * more than one buffer of it in memory whatever the size of the parts. Each part's content is an
 * {@link InputStream} that ends where the part ends.
 *
 * <p>Not thread-safe. A part must be read (or is skipped) before the next one is asked for.
 */
final class MultipartReader {

    /** One part: its form field name, the client's file name if any, and its content. */
    record Part(String name, String filename, InputStream content) {}

    private static final int BUFFER_SIZE = 64 * 1024;
    private static final int MAX_HEADER_BYTES = 16 * 1024;

    private final InputStream in;

    /** CRLF "--" boundary: what ends every part. */
    private final byte[] delimiter;

    private final byte[] buf;
    private int pos;
    private int limit;
    private boolean eof;
    private PartStream current;
    private boolean done;

    MultipartReader(InputStream in, String boundary) {
        this.in = in;
        this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        this.buf = new byte[BUFFER_SIZE + delimiter.length];
        // The first delimiter has no CRLF before it: pretend it has, so that every delimiter
        // looks the same and the preamble is simply skipped like the content of a part.
        buf[0] = '\r';
        buf[1] = '\n';
        limit = 2;
        current = new PartStream();
    }

    /** The boundary of a {@code multipart/form-data} content type, or a 400 naming the fault. */
    static String boundaryOf(String contentType) {
        if (contentType == null
                || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            throw new InvalidRequestException(
                    "The body must be multipart/form-data with the fields 'file' and 'purpose'.",
                    "file");
        }
        for (String param : contentType.split(";")) {
            String p = param.strip();
            if (p.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
                String value = unquote(p.substring("boundary=".length()));
                if (!value.isEmpty() && value.length() <= 70) {
                    return value;
                }
            }
        }
        throw new InvalidRequestException(
                "The multipart/form-data content type lacks a valid boundary.", "file");
    }

    /** The next part, or {@code null} after the last one. */
    Part next() throws IOException {
        if (done) {
            return null;
        }
        current.skip();
        if (!fill(2)) {
            throw malformed("the body ends without a closing boundary");
        }
        if (buf[pos] == '-' && buf[pos + 1] == '-') {
            done = true;
            return null;
        }
        String headers = readHeaders();
        String disposition = null;
        for (String line : headers.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0
                    && line.substring(0, colon).strip().equalsIgnoreCase("content-disposition")) {
                disposition = line.substring(colon + 1).strip();
            }
        }
        if (disposition == null) {
            throw malformed("a part has no Content-Disposition header");
        }
        current = new PartStream();
        return new Part(dispositionParam(disposition, "name"), filenameOf(disposition), current);
    }

    /** Reads from the end of a delimiter up to and including the blank line after headers. */
    private String readHeaders() throws IOException {
        skipDelimiterLineEnd();
        int scanned = 0;
        while (true) {
            if (!fill(Math.min(buf.length, scanned + 4))) {
                throw malformed("the body ends inside the headers of a part");
            }
            if (buf[pos] == '\r' && buf[pos + 1] == '\n') {
                pos += 2;
                return "";
            }
            for (int i = pos + scanned; i + 3 < limit; i++) {
                if (buf[i] == '\r'
                        && buf[i + 1] == '\n'
                        && buf[i + 2] == '\r'
                        && buf[i + 3] == '\n') {
                    String headers = new String(buf, pos, i - pos, StandardCharsets.UTF_8);
                    pos = i + 4;
                    return headers;
                }
            }
            scanned = Math.max(0, limit - pos - 3);
            if (scanned > MAX_HEADER_BYTES) {
                throw malformed(
                        "the headers of a part are longer than " + MAX_HEADER_BYTES + " bytes");
            }
        }
    }

    /** Skips the transport padding and CRLF that end a delimiter line. */
    private void skipDelimiterLineEnd() throws IOException {
        while (true) {
            for (int i = pos; i + 1 < limit; i++) {
                if (buf[i] == '\r' && buf[i + 1] == '\n') {
                    pos = i + 2;
                    return;
                }
            }
            if (limit - pos > 1024 || !fill(limit - pos + 1)) {
                throw malformed("a boundary line does not end with CRLF");
            }
        }
    }

    /** Ensures at least {@code n} unread bytes in the buffer unless the body ends first. */
    private boolean fill(int n) throws IOException {
        if (limit - pos >= n) {
            return true;
        }
        if (n > buf.length) {
            return false;
        }
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, limit - pos);
            limit -= pos;
            pos = 0;
        }
        while (limit < n && !eof) {
            int read = in.read(buf, limit, buf.length - limit);
            if (read < 0) {
                eof = true;
            } else {
                limit += read;
            }
        }
        return limit - pos >= n;
    }

    /**
     * The index of the delimiter in the unread bytes, or -1. Every byte of an upload passes here:
     * the CRs that may start a delimiter are found eight bytes at a time ({@link ByteScan}).
     */
    private int findDelimiter() {
        int last = limit - delimiter.length;
        int i = pos;
        while (i <= last) {
            int cr = ByteScan.indexOf(buf, i, last + 1, (byte) '\r');
            if (cr < 0) {
                return -1;
            }
            if (delimiterAt(cr)) {
                return cr;
            }
            i = cr + 1;
        }
        return -1;
    }

    private boolean delimiterAt(int at) {
        for (int j = 1; j < delimiter.length; j++) {
            if (buf[at + j] != delimiter[j]) {
                return false;
            }
        }
        return true;
    }

    /** The content of the current part: ends at the next delimiter, which it consumes. */
    private final class PartStream extends InputStream {

        private boolean ended;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (ended) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            while (true) {
                boolean full = fill(delimiter.length);
                int at = findDelimiter();
                if (at == pos) {
                    ended = true;
                    pos += delimiter.length;
                    return -1;
                }
                int safeEnd;
                if (at >= 0) {
                    safeEnd = at;
                } else if (!full && eof) {
                    throw malformed("the body ends inside a part");
                } else {
                    // a delimiter may begin in the last delimiter.length - 1 bytes
                    safeEnd = limit - delimiter.length + 1;
                }
                if (safeEnd > pos) {
                    int n = Math.min(len, safeEnd - pos);
                    System.arraycopy(buf, pos, b, off, n);
                    pos += n;
                    return n;
                }
                if (!fill(limit - pos + 1) && eof) {
                    throw malformed("the body ends inside a part");
                }
            }
        }

        void skip() throws IOException {
            byte[] sink = new byte[8192];
            while (read(sink, 0, sink.length) >= 0) {
                // drain the rest of the part
            }
        }
    }

    private static String filenameOf(String disposition) {
        String extended = dispositionParam(disposition, "filename*");
        if (extended != null) {
            int quote = extended.indexOf("''");
            String encoded = quote >= 0 ? extended.substring(quote + 2) : extended;
            return URLDecoder.decode(encoded.replace("+", "%2B"), StandardCharsets.UTF_8);
        }
        return dispositionParam(disposition, "filename");
    }

    private static String dispositionParam(String disposition, String name) {
        for (String param : splitParams(disposition)) {
            int eq = param.indexOf('=');
            if (eq > 0 && param.substring(0, eq).strip().equalsIgnoreCase(name)) {
                return unquote(param.substring(eq + 1).strip());
            }
        }
        return null;
    }

    /** Splits on semicolons outside quotes. */
    private static List<String> splitParams(String value) {
        List<String> out = new ArrayList<>();
        StringBuilder part = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' && (i == 0 || value.charAt(i - 1) != '\\')) {
                quoted = !quoted;
            }
            if (c == ';' && !quoted) {
                out.add(part.toString());
                part.setLength(0);
            } else {
                part.append(c);
            }
        }
        out.add(part.toString());
        return out;
    }

    private static String unquote(String value) {
        String v = value.strip();
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            return v.substring(1, v.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
        }
        return v;
    }

    private static InvalidRequestException malformed(String why) {
        return new InvalidRequestException(
                "Malformed multipart/form-data body: " + why + ".", "file", "invalid_multipart");
    }
}
