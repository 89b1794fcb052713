package dev.anneal.bench.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/** The benchmark mains' plain HTTP calls to a server process, and their argument parsing. */
final class BenchApi {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private BenchApi() {}

    /** POSTs JSON with {@code key}; the answer's JSON, or an exception for a status of 300+. */
    static JsonNode post(String api, String key, String path, String json) throws Exception {
        return sendJson("POST", api, key, path, json);
    }

    /** PATCHes JSON with {@code key}, as {@link #post} does. */
    static JsonNode patch(String api, String key, String path, String json) throws Exception {
        return sendJson("PATCH", api, key, path, json);
    }

    private static JsonNode sendJson(
            String method, String api, String key, String path, String json) throws Exception {
        return send(
                HttpRequest.newBuilder(URI.create(api + path))
                        .header("Authorization", "Bearer " + key)
                        .header("Content-Type", "application/json")
                        .method(
                                method,
                                HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
                        .build());
    }

    /** GETs with {@code key}; the answer's JSON, or an exception for a status of 300+. */
    static JsonNode get(String api, String key, String path) throws Exception {
        return send(
                HttpRequest.newBuilder(URI.create(api + path))
                        .header("Authorization", "Bearer " + key)
                        .build());
    }

    /** GETs {@code url} without a key; the answer's text, or an exception for a status of 300+. */
    static String text(String url) throws Exception {
        HttpResponse<String> response =
                HTTP.send(
                        HttpRequest.newBuilder(URI.create(url)).build(),
                        HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(url + " answered " + response.statusCode());
        }
        return response.body();
    }

    /**
     * Sends {@code request}; the answer's JSON, or an exception for a status of 300+. A 429 (the
     * key's rate limit) is waited out as its {@code Retry-After} says, and the request sent again.
     */
    static JsonNode send(HttpRequest request) throws Exception {
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        while (response.statusCode() == 429) {
            long seconds = response.headers().firstValueAsLong("Retry-After").orElse(1);
            Thread.sleep(Math.max(50, seconds * 1000));
            response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        }
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

    /** The comma-separated integers after {@code name} in {@code args}, or {@code fallback}. */
    static List<Integer> intsArg(String[] args, String name, List<Integer> fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return Arrays.stream(args[i + 1].split(","))
                        .map(String::strip)
                        .map(Integer::valueOf)
                        .toList();
            }
        }
        return fallback;
    }
}
