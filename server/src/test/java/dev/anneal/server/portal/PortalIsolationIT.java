package dev.anneal.server.portal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import dev.anneal.server.AnnealTestResources;
import dev.anneal.server.TestApi;
import dev.anneal.server.jobs.JobTestSupport;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A tenant's portal session shows and reaches only its own data: another tenant's dataset, job or
 * model reads exactly as a missing one, on every page and through every action the pages call, and
 * no list shows another tenant's rows.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class PortalIsolationIT {

    @Test
    void shouldShowAnotherTenantsIdsAsNotFoundEverywhere() throws Exception {
        String ownerKey = TestApi.newTenantKey();
        String file = TestApi.uploadChat(ownerKey);
        String job = JobTestSupport.createNanoJob(ownerKey, file, Map.of());
        String model =
                JobTestSupport.awaitStatus(ownerKey, job, "succeeded", Duration.ofSeconds(120))
                        .getString("fine_tuned_model");
        SignedIn owner = SignedIn.with(ownerKey);
        SignedIn other = SignedIn.with(TestApi.newTenantKey());

        for (String page :
                List.of(
                        "/datasets/" + file,
                        "/jobs/" + job,
                        "/playground?model=" + model,
                        "/playground?model=anneal-nano&compare=" + model,
                        "/feedback?dataset=" + file)) {
            owner.request().get(page).then().statusCode(200);
            String theirs = other.request().get(page).then().statusCode(404).extract().asString();
            String missing =
                    other.request()
                            .get(page.replace(file, "file-missing").replace(job, "ftjob-missing"))
                            .then()
                            .statusCode(404)
                            .contentType(containsString("text/html"))
                            .extract()
                            .asString();
            assertThat(title(theirs)).isEqualTo(title(missing)).isEqualTo("Not found");
        }
        for (String list : List.of("/datasets", "/jobs", "/jobs/rows", "/models", "/feedback")) {
            String page = other.request().get(list).then().statusCode(200).extract().asString();
            assertThat(page).doesNotContain(file, job, model);
        }
        // the actions the pages call, with the other tenant's session
        other.request().delete("/v1/files/" + file).then().statusCode(404);
        other.request().post("/v1/fine_tuning/jobs/" + job + "/cancel").then().statusCode(404);
        other.request().delete("/v1/models/" + model).then().statusCode(404);
        other.request().get("/v1/files/" + file + "/content").then().statusCode(404);
        owner.request().get("/v1/files/" + file + "/content").then().statusCode(200);
        // and no administrator pages or routes for a tenant's session
        for (String admin :
                List.of("/admin", "/admin/models", "/admin/system", "/v1/admin/system")) {
            other.request().get(admin).then().statusCode(403);
        }
    }

    private static String title(String html) {
        return html.replaceFirst("(?s).*<h1>([^<]*)</h1>.*", "$1");
    }
}
