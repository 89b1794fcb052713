package dev.anneal.server.portal;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.AriaRole;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's Chromium, headless, driven by Playwright: never a downloaded browser. Where Chromium is
 * missing the browser tests are skipped, except under CI ({@code CI=true}, which {@code .ci/run}
 * sets and whose first step installs it), where they fail. Screenshots go to {@code
 * target/portal-screenshots}.
 */
public final class PortalBrowser implements AutoCloseable {

    static final Path CHROMIUM = Paths.get("/usr/bin/chromium");

    static final Path SCREENSHOTS = Paths.get("target", "portal-screenshots");

    private final Playwright playwright;
    private final Browser browser;
    private final String base;

    private PortalBrowser(String base) {
        this.base = base.replaceFirst("/$", "");
        playwright =
                Playwright.create(
                        new Playwright.CreateOptions()
                                .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        browser =
                playwright
                        .chromium()
                        .launch(
                                new BrowserType.LaunchOptions()
                                        .setExecutablePath(CHROMIUM)
                                        .setHeadless(true)
                                        .setArgs(
                                                List.of(
                                                        "--no-sandbox",
                                                        "--disable-gpu",
                                                        "--disable-background-networking",
                                                        "--disable-component-update",
                                                        "--disable-sync",
                                                        "--no-first-run")));
    }

    /** Chromium against the portal at {@code base}; skips (or fails under CI) without it. */
    public static PortalBrowser open(String base) {
        if (!Files.isExecutable(CHROMIUM)) {
            boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
            assertThat(ci)
                    .as("CI must provide " + CHROMIUM + " (apt-get install chromium)")
                    .isFalse();
            Assumptions.abort(CHROMIUM + " is not installed: the portal's browser tests skip");
        }
        return new PortalBrowser(base);
    }

    /** A fresh browser profile (its own cookies) at 1280 by 800 px. */
    public Page page() {
        return page(1280, 800);
    }

    Page page(int width, int height) {
        BrowserContext context =
                browser.newContext(
                        new Browser.NewContextOptions()
                                .setBaseURL(base)
                                .setViewportSize(width, height));
        context.setDefaultTimeout(30_000);
        Page page = context.newPage();
        // a script error fails no assertion by itself: the log says why a step then timed out
        page.onPageError(error -> System.err.println("[browser] page error: " + error));
        page.onConsoleMessage(
                message -> {
                    if ("error".equals(message.type())) {
                        System.err.println("[browser] console: " + message.text());
                    }
                });
        return page;
    }

    /** Signs in with {@code key} through the form, as a person does. */
    public static void signIn(Page page, String key) {
        page.navigate("/sign-in");
        page.getByLabel("API key").fill(key);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in")).click();
        page.waitForURL(url -> !url.contains("/sign-in"));
    }

    /**
     * Moves the focus with the Tab key, as a keyboard user does, until it is on the control named
     * {@code name}; fails if Tab never gets there.
     */
    public static void tabTo(Page page, String name) {
        for (int presses = 0; presses < 60; presses++) {
            page.keyboard().press("Tab");
            Object focused =
                    page.evaluate(
                            "() => { const e = document.activeElement;"
                                    + " return e ? (e.getAttribute('aria-label')"
                                    + " || e.textContent || '').trim() : ''; }");
            if (name.equals(focused)) {
                return;
            }
        }
        throw new AssertionError("Tab never reached the control named '" + name + "'");
    }

    /** The most script a page may load, all files together. */
    static final long SCRIPT_BUDGET_BYTES = 150 * 1024;

    /**
     * Saves the whole page as {@code name}.png for review, and checks that it loaded at most {@link
     * #SCRIPT_BUDGET_BYTES} of script.
     */
    static void review(Page page, String name) {
        screenshot(page, name);
        Number scripts =
                (Number)
                        page.evaluate(
                                "() => performance.getEntriesByType('resource')"
                                        + ".filter(e => e.initiatorType === 'script')"
                                        + ".reduce((sum, e) => sum + e.decodedBodySize, 0)");
        assertThat(scripts.longValue())
                .as("bytes of script loaded by " + name)
                .isLessThanOrEqualTo(SCRIPT_BUDGET_BYTES);
        @SuppressWarnings("unchecked")
        List<String> unnamed =
                (List<String>)
                        page.evaluate(
                                "() => Array.from(document.querySelectorAll('input, select,"
                                        + " textarea, button, a'))"
                                        + ".filter(e => e.type !== 'hidden' && e.offsetParent !== null)"
                                        + ".filter(e => { const label = e.getAttribute('aria-label');"
                                        + " const words = (e.matches('input, select, textarea')"
                                        + " ? Array.from(e.labels || []).map(l => l.textContent).join(' ')"
                                        + " : e.textContent).trim();"
                                        + " return words === '' || (label !== null && label !== words); })"
                                        + ".map(e => e.outerHTML.slice(0, 120))");
        assertThat(unnamed)
                .as("controls of " + name + " whose accessible name is not their visible words")
                .isEmpty();
    }

    /** Saves the whole page as {@code name}.png. */
    public static void screenshot(Page page, String name) {
        page.screenshot(
                new Page.ScreenshotOptions()
                        .setPath(SCREENSHOTS.resolve(name + ".png"))
                        .setFullPage(true));
    }

    /** Something a browser test does, which may throw. */
    public interface Steps {
        void run() throws Exception;
    }

    /** Runs {@code steps}; if they fail, saves the page as {@code name}.png first. */
    public static void onFailure(Page page, String name, Steps steps) throws Exception {
        try {
            steps.run();
        } catch (Exception | AssertionError e) {
            screenshot(page, name);
            throw e;
        }
    }

    @Override
    public void close() {
        browser.close();
        playwright.close();
    }
}
