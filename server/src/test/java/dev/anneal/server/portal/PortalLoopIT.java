package dev.anneal.server.portal;

import static dev.anneal.server.TestApi.as;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.SelectOption;
import dev.anneal.server.AnnealTestResources;
import dev.anneal.server.TestApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The portal's whole loop, in Chromium, as a person goes through it: sign in, upload a bad file and
 * read its line error, upload a good one, fine-tune {@code anneal-nano} with LoRA and watch the
 * chart, compare the base and the fine-tuned model in the playground and judge them, see the
 * judgement on the feedback page, export it as a preference dataset and start DPO on it.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class PortalLoopIT {

    private static final LocatorAssertions.IsVisibleOptions LONG_VISIBLE =
            new LocatorAssertions.IsVisibleOptions().setTimeout(120_000);

    private static final LocatorAssertions.ContainsTextOptions LONG =
            new LocatorAssertions.ContainsTextOptions().setTimeout(120_000);

    @TestHTTPResource("/")
    URL root;

    @TempDir Path files;

    @Test
    void shouldTakeAPersonFromUploadToJudgementToADpoJob() throws Exception {
        String key = TestApi.newTenantKey();
        Path bad = files.resolve("broken.jsonl");
        Files.writeString(
                bad,
                TestApi.chatLine("fine")
                        + "\n{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                        + "{\"role\":\"assistant\"}]}\n");
        Path good = files.resolve("support.jsonl");
        Files.writeString(
                good,
                IntStream.range(0, 24)
                        .mapToObj(i -> TestApi.chatLine("answer " + i))
                        .collect(Collectors.joining("\n", "", "\n")));

        try (PortalBrowser browser = PortalBrowser.open(root.toString())) {
            Page page = browser.page();
            PortalBrowser.onFailure(page, "loop-failure", () -> walk(page, key, bad, good));
        }
    }

    private void walk(Page page, String key, Path bad, Path good) throws Exception {
        {
            page.onDialog(dialog -> dialog.accept());
            page.navigate("/sign-in");
            PortalBrowser.review(page, "sign-in");
            PortalBrowser.signIn(page, key);
            assertThat(page.url()).endsWith("/datasets");

            // a bad file: its line and field, as the API reports them; nothing is kept
            page.getByLabel("JSONL file").setInputFiles(bad);
            button(page, "Upload").click();
            Locator errors = page.getByRole(AriaRole.TABLE, named("Errors by line"));
            PlaywrightAssertions.assertThat(errors).containsText("messages[1].content");
            PlaywrightAssertions.assertThat(errors.locator("tbody tr td").first()).hasText("2");
            PortalBrowser.review(page, "datasets-rejected");

            // the good one by keyboard: Tab to "Upload", Enter
            page.getByLabel("JSONL file").setInputFiles(good);
            page.getByLabel("JSONL file").focus();
            PortalBrowser.tabTo(page, "Upload");
            page.keyboard().press("Enter");
            PlaywrightAssertions.assertThat(page.locator(".upload-status"))
                    .containsText("Uploaded support.jsonl: 24 lines");
            PlaywrightAssertions.assertThat(page.locator("#files")).containsText("support.jsonl");
            PlaywrightAssertions.assertThat(page.locator("#files")).not().containsText("broken");
            PortalBrowser.review(page, "datasets");
            String fileId =
                    as(key).get("/v1/files").then().extract().jsonPath().getString("data[0].id");

            // a LoRA job on anneal-nano through the form
            page.getByRole(AriaRole.LINK, named("support.jsonl")).click();
            PlaywrightAssertions.assertThat(page.locator("pre.preview")).containsText("answer 0");
            PortalBrowser.review(page, "dataset");
            page.getByRole(AriaRole.LINK, named("Fine-tuning")).click();
            page.getByRole(AriaRole.LINK, named("New job")).click();
            page.getByLabel("Model").selectOption("anneal-nano");
            page.getByLabel("Training file").selectOption(new SelectOption().setValue(fileId));
            page.getByLabel("Epochs").fill("4");
            page.getByLabel("Seed").fill("1");
            PortalBrowser.review(page, "job-form");
            button(page, "Create job").click();
            page.waitForURL(Pattern.compile(".*/jobs/ftjob-.*"));
            String jobId = page.url().replaceFirst(".*/jobs/", "");

            // the chart gains points from the job's event stream, then the job succeeds
            page.waitForFunction(
                    "() => Number(document.getElementById('chart').dataset.points || 0) >= 1");
            PlaywrightAssertions.assertThat(page.locator("#job-status"))
                    .containsText("succeeded", LONG);
            // the finished job's details arrive in place: a reload would override a link the
            // person clicks at that moment
            assertThat(page.evaluate("() => performance.getEntriesByType('navigation')[0].type"))
                    .isEqualTo("navigate");
            page.waitForFunction(
                    "() => Number(document.getElementById('chart').dataset.points || 0) >= 2");
            assertThat(page.locator("#chart canvas").count()).isEqualTo(1);
            PlaywrightAssertions.assertThat(page.locator("#events")).containsText("Step 1/");
            PortalBrowser.review(page, "job");
            String tuned =
                    as(key).get("/v1/fine_tuning/jobs/" + jobId)
                            .then()
                            .extract()
                            .path("fine_tuned_model");

            // compare the base and the fine-tuned model, blind, and judge them
            page.getByRole(AriaRole.LINK, named("Open in playground")).click();
            page.getByLabel("Compare with").selectOption("anneal-nano");
            // greedy and short: the toy byte-level models answer the same bytes every run (a NUL
            // byte in an answer is refused by the feedback API, which the page would show)
            page.getByText("Sampling settings").click();
            page.getByLabel("Temperature").fill("0");
            page.getByLabel("Maximum tokens").fill("16");
            page.getByLabel("Message").fill("Once upon a time");
            PortalBrowser.tabTo(page, "Send");
            page.keyboard().press("Enter");
            PlaywrightAssertions.assertThat(button(page, "A is better")).isVisible(LONG_VISIBLE);
            page.getByLabel("Compare with").focus();
            PortalBrowser.tabTo(page, "A is better");
            page.keyboard().press("Enter");
            PlaywrightAssertions.assertThat(page.locator("#judged"))
                    .containsText("Judgement recorded");
            String winner =
                    page.locator("#judged")
                            .innerText()
                            .replaceFirst("^Judgement recorded: (.*) was better\\.$", "$1");
            assertThat(winner).isIn(tuned, "anneal-nano");
            PlaywrightAssertions.assertThat(page.locator("#side-a-title"))
                    .containsText("Model A: ");
            PortalBrowser.review(page, "playground-compare");

            // the judgement reaches the feedback page through Kafka
            page.getByRole(AriaRole.LINK, named("Feedback")).click();
            for (int i = 0;
                    i < 60 && !page.locator("#judgements").innerText().contains("over");
                    i++) {
                Thread.sleep(500);
                page.reload();
            }
            PlaywrightAssertions.assertThat(page.locator("#judgements")).containsText("over");
            PlaywrightAssertions.assertThat(page.locator("#pairs")).containsText(tuned);
            List<String> annotators =
                    as(key).get("/v1/feedback")
                            .then()
                            .extract()
                            .jsonPath()
                            .getList("data.annotator_id");
            assertThat(annotators).hasSize(1).doesNotContainNull();
            PortalBrowser.review(page, "feedback");

            // a preference dataset, and DPO on it from the filled-in job form
            button(page, "Create preference dataset").click();
            page.getByRole(AriaRole.LINK, named("Train with DPO")).click();
            assertThat(page.getByLabel("DPO (preference pairs)").isChecked()).isTrue();
            // the form starts from the model people preferred
            PlaywrightAssertions.assertThat(
                            page.getByLabel("Model", new Page.GetByLabelOptions().setExact(true)))
                    .hasValue(winner);
            button(page, "Create job").click();
            page.waitForURL(Pattern.compile(".*/jobs/ftjob-.*"));
            PlaywrightAssertions.assertThat(page.locator("h1")).containsText("Job");
            assertThat(page.url()).doesNotEndWith(jobId);

            // the jobs and the models, with the fine-tuned model's lineage
            page.getByRole(AriaRole.LINK, named("Fine-tuning")).click();
            PlaywrightAssertions.assertThat(page.locator("#job-rows")).containsText(jobId);
            PortalBrowser.review(page, "jobs");
            page.getByRole(AriaRole.LINK, named("Models")).click();
            PlaywrightAssertions.assertThat(page.locator("#tuned-models")).containsText(jobId);
            PlaywrightAssertions.assertThat(page.locator("#tuned-models")).containsText(fileId);
            PortalBrowser.review(page, "models");

            // and a dataset deleted from its page, after the confirmation
            page.navigate("/datasets/" + fileId);
            button(page, "Delete").click();
            page.waitForURL(url -> url.endsWith("/datasets"));
            PlaywrightAssertions.assertThat(page.locator("#file-list")).not().containsText(fileId);
        }
    }

    /**
     * The administrator console, by keyboard where a person would use it: sign in with the
     * administrator key and Enter, create a tenant, create its first key (shown once).
     */
    @Test
    void shouldLetAnAdministratorCreateATenantAndItsKey() throws Exception {
        try (PortalBrowser browser = PortalBrowser.open(root.toString())) {
            Page page = browser.page();
            PortalBrowser.onFailure(
                    page,
                    "admin-failure",
                    () -> {
                        page.navigate("/sign-in");
                        page.keyboard().type(AnnealTestResources.ADMIN_KEY); // the field has focus
                        page.keyboard().press("Enter");
                        page.waitForURL(url -> url.endsWith("/admin"));
                        String name = "Tenant " + System.nanoTime();
                        page.getByLabel("Name").fill(name);
                        page.keyboard().press("Enter");
                        Locator row =
                                page.getByRole(AriaRole.ROW)
                                        .filter(new Locator.FilterOptions().setHasText(name));
                        PlaywrightAssertions.assertThat(row).hasCount(1);
                        PortalBrowser.review(page, "admin-tenants");
                        row.getByRole(AriaRole.LINK).click();
                        page.getByLabel("Key name").fill("labelling team");
                        button(page, "Create key").click();
                        PlaywrightAssertions.assertThat(page.locator("#new-secret"))
                                .containsText("sk-anneal-");
                        String secret = page.locator("#new-secret").innerText();
                        page.reload();
                        PlaywrightAssertions.assertThat(page.locator("#keys"))
                                .containsText("labelling team");
                        assertThat(page.content()).as("shown once").doesNotContain(secret);
                        PortalBrowser.review(page, "admin-tenant");
                        // a quota set here is the API's: a bad one is refused beside its field
                        Locator files =
                                page.getByLabel(
                                        "files", new Page.GetByLabelOptions().setExact(true));
                        files.fill("-3");
                        button(page, "Save quotas").click();
                        PlaywrightAssertions.assertThat(page.locator("[data-error-for=files]"))
                                .not()
                                .isEmpty();
                        files.fill("7");
                        var saved =
                                page.waitForResponse(
                                        r -> r.request().method().equals("PATCH"),
                                        () -> button(page, "Save quotas").click());
                        assertThat(saved.status()).isEqualTo(200);
                        // a folder that is no model is refused with the API's reason
                        page.getByRole(AriaRole.LINK, named("Base models")).click();
                        page.getByLabel("Model id").fill("not-a-model");
                        page.getByLabel("Folder").fill("/nonexistent/folder");
                        button(page, "Register model").click();
                        PlaywrightAssertions.assertThat(
                                        page.locator(
                                                        ".form-error:not(:empty),"
                                                                + " .field-error:not(:empty)")
                                                .first())
                                .isVisible();
                        PlaywrightAssertions.assertThat(page.locator("#base-models"))
                                .containsText("anneal-nano");
                        PortalBrowser.review(page, "admin-models");
                        page.getByRole(AriaRole.LINK, named("System")).click();
                        PlaywrightAssertions.assertThat(page.locator("#queued")).isVisible();
                        PortalBrowser.review(page, "admin-system");
                        Page phone = browser.page(390, 844);
                        PortalBrowser.signIn(phone, AnnealTestResources.ADMIN_KEY);
                        PortalBrowser.review(phone, "admin-phone");
                        assertThat(
                                        (Boolean)
                                                phone.evaluate(
                                                        "() => document.documentElement.scrollWidth"
                                                                + " <= window.innerWidth"))
                                .as("nothing wider than a phone's screen")
                                .isTrue();
                    });
        }
    }

    private static Locator button(Page page, String name) {
        return page.getByRole(AriaRole.BUTTON, named(name));
    }

    private static Page.GetByRoleOptions named(String name) {
        return new Page.GetByRoleOptions().setName(name).setExact(true);
    }
}
