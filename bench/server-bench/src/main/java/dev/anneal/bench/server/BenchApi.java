package dev.anneal.bench.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/** The benchmark mains' plain HTTP calls to a server process, and their argument parsing. */
final class BenchApi {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private BenchApi() {}

    /** POSTs JSON with {@code key}; the answer's JSON, or an exception for a status of 300+. */
    static JsonNode post(String api, String key, String path, String json) throws Exception {
        return send(
                HttpRequest.newBuilder(URI.create(api + path))
                        .header("Authorization", "Bearer " + key)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
                        .build());
    }

    /** GETs with {@code key}; the answer's JSON, or an exception for a status of 300+. */
    static JsonNode get(String api, String key, String path) throws Exception {
        return send(
                HttpRequest.newBuilder(URI.create(api + path))
                        .header("Authorization", "Bearer " + key)
                        .build());
    }

    /** Sends {@code request}; the answer's JSON, or an exception for a status of 300+. */
    static JsonNode send(HttpRequest request) throws Exception {
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(
                    request.uri() + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    /** Uploads a chat dataset of {@code lines} short examples with {@code key}; its file id. */
    static String uploadChat(String api, String key, int lines) throws Exception {
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            jsonl.append("{\"messages\":[{\"role\":\"user\",\"content\":\"Say ")
                    .append(i)
                    .append("\"},{\"role\":\"assistant\",\"content\":\"")
                    .append(i)
                    .append("\"}]}\n");
        }
        String boundary = "bench-boundary";
        String body =
                "--"
                        + boundary
                        + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n"
                        + "--"
                        + boundary
                        + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bench.jsonl\"\r\n"
                        + "Content-Type: application/jsonl\r\n\r\n"
                        + jsonl
                        + "\r\n--"
                        + boundary
                        + "--\r\n";
        HttpRequest request =
                HttpRequest.newBuilder(URI.create(api + "/v1/files"))
                        .header("Authorization", "Bearer " + key)
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build();
        return send(request).get("id").asText();
    }

    /** The integer after {@code name} in {@code args}, or {@code fallback}. */
    static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }
}
