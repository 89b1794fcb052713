package dev.anneal.server.limits;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * An upload that trickles in, a line every 100 ms, over a raw HTTP/1.1 connection, so that the
 * server's answer is read while the body still trickles.
 */
final class TrickleUpload {

    private static final String BOUNDARY = "trickle";
    private static final byte[] LINE =
            ("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                            + "{\"role\":\"assistant\",\"content\":\"hello\"}]}\n")
                    .getBytes(StandardCharsets.UTF_8);

    private TrickleUpload() {}

    /** Trickles until the server answers or {@code patience} passes; its status line. */
    static String statusLine(URI base, String key, Duration patience)
            throws IOException, InterruptedException {
        String head =
                "--"
                        + BOUNDARY
                        + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n"
                        + "--"
                        + BOUNDARY
                        + "\r\nContent-Disposition: form-data; name=\"file\";"
                        + " filename=\"slow.jsonl\"\r\nContent-Type: application/jsonl\r\n\r\n";
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout((int) patience.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(
                    ("POST /v1/files HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                                    + key
                                    + "\r\nContent-Type: multipart/form-data; boundary="
                                    + BOUNDARY
                                    + "\r\nTransfer-Encoding: chunked\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            chunk(out, head.getBytes(StandardCharsets.UTF_8));
            InputStream in = socket.getInputStream();
            long deadline = System.nanoTime() + patience.toNanos();
            try {
                while (in.available() == 0 && System.nanoTime() < deadline) {
                    chunk(out, LINE);
                    Thread.sleep(100);
                }
            } catch (IOException closedByServer) {
                // the server may close the connection with its answer
            }
            return new String(in.readNBytes(12), StandardCharsets.US_ASCII);
        }
    }

    private static void chunk(OutputStream out, byte[] bytes) throws IOException {
        out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }
}
