package dev.anneal.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What one rendering produced: Helm's text and each object in it, in order.
 *
 * @param manifests the documents as Helm wrote them
 * @param objects one node per non-empty document
 */
record Rendered(String manifests, List<ObjectNode> objects) {

    static Rendered parse(String manifests) {
        List<ObjectNode> objects = new ArrayList<>();
        try (MappingIterator<JsonNode> documents =
                AnnealChart.YAML.readerFor(JsonNode.class).readValues(manifests)) {
            while (documents.hasNext()) {
                JsonNode document = documents.next();
                if (document != null && document.isObject() && !document.isEmpty()) {
                    objects.add((ObjectNode) document);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("The chart rendered invalid YAML", e);
        }
        return new Rendered(manifests, List.copyOf(objects));
    }

    List<ObjectNode> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
    }

    Optional<ObjectNode> find(String kind, String name) {
        return ofKind(kind).stream().filter(o -> name.equals(nameOf(o))).findFirst();
    }

    ObjectNode get(String kind, String name) {
        return find(kind, name)
                .orElseThrow(
                        () -> new AssertionError("No " + kind + " named " + name + " rendered"));
    }

    static String nameOf(JsonNode object) {
        return object.path("metadata").path("name").asText();
    }

    /** {@code Kind/name}, how messages name an object. */
    static String idOf(JsonNode object) {
        return object.path("kind").asText() + "/" + nameOf(object);
    }
}
