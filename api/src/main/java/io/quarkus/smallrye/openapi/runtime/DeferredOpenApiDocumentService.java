package io.quarkus.smallrye.openapi.runtime;

import io.quarkus.arc.Unremovable;
import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.smallrye.openapi.OpenApiFilter.RunStage;
import io.quarkus.smallrye.openapi.runtime.filter.AutoSecurityFilter;
import io.smallrye.openapi.runtime.io.Format;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds the OpenAPI document on its first request instead of at every start.
 *
 * <p>Quarkus 3.33 prepares the document while the application starts: it parses the JSON document
 * written at build time with its YAML parser, applies the start-up filters and writes the result as
 * JSON and YAML, about half a second on the main thread of a 5-second start
 * (quarkusio/quarkus#54826; the upstream fix keeps that eager path whenever a start-up filter
 * exists, and the OIDC security filter is one). This bean takes the start's call and replays it,
 * unchanged, when the document is first asked for, so the document served is the same. It lives in
 * Quarkus' package because the method it defers is package-private (ADR 0047), so it only works
 * where one class loader defines both, as in the packaged server; the tests' and development mode's
 * loaders keep the application apart from its libraries, and there Quarkus' own bean stays. Remove
 * it once Quarkus builds the document lazily.
 */
@IfBuildProfile("prod")
@Alternative
@Priority(1)
@Singleton
@Unremovable
class DeferredOpenApiDocumentService extends OpenApiDocumentService {

    private final List<Runnable> preparations = new ArrayList<>();

    @Override
    synchronized void prepareDocument(
            AutoSecurityFilter autoSecurityFilter,
            Map<RunStage, List<String>> filters,
            String name) {
        preparations.add(() -> super.prepareDocument(autoSecurityFilter, filters, name));
    }

    @Override
    public synchronized byte[] getDocument(String name, Format format) {
        preparations.forEach(Runnable::run);
        preparations.clear();
        return super.getDocument(name, format);
    }
}
