package dev.heterolora.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import dev.heterolora.studies.H2Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The pages in a real headless Chromium (Debian's chromium and chromium-driver; skipped only where they are not
 * installed): each page renders the recorded database, its charts draw on non-empty canvases, the console stays free
 * of errors, writes by another process (through the data directory's H2 server, as {@code heterolora server start}
 * shares it) show up without a reload, and a hostile study name stays text. Every page
 * leaves a screenshot under {@code target/screenshots/}.
 */
class BrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    /** How soon a write by another process must show in the open page (the bound). */
    private static final Duration LIVE = Duration.ofSeconds(2);

    @TempDir
    static Path dir;
    static RecordedDatabase recorded;
    static Dashboard dashboard;
    static H2Server server;
    static ChromeDriver browser;

    @BeforeAll
    static void start() throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)");
        recorded = new RecordedDatabase(dir);
        server = H2Server.start(recorded.home, 0);
        dashboard = Dashboard.start("127.0.0.1", 0, recorded.database());
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile()).addArguments("--headless=new",
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--user-data-dir=" + Files.createDirectories(dir.resolve("chromium-profile")));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (dashboard != null) {
            dashboard.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** Every page must leave the console without errors (failed requests and script errors are SEVERE). */
    @AfterEach
    void noConsoleErrors() {
        List<String> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).map(LogEntry::getMessage).toList();
        assertThat(errors).as("console errors").isEmpty();
    }

    private void open(String path) {
        browser.get(dashboard.url() + path.substring(1));
    }

    private WebElement await(By locator) {
        return new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> {
            List<WebElement> found = d.findElements(locator);
            return found.isEmpty() ? null : found.get(0);
        });
    }

    /** The text of the element with this id now (pages redraw their headers, so no element is held). */
    private String text(String id) {
        return (String) js("return document.getElementById(arguments[0])?.textContent ?? null", id);
    }

    private Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    /** Waits until every chart under {@code css} has drawn something on its canvas, and returns how many there are. */
    private long chartsDrawn(String css, int atLeast) {
        return new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> {
            Object n = js("""
                    const canvases = [...document.querySelectorAll(arguments[0] + ' canvas')];
                    const painted = canvases.filter(c => {
                      if (c.width === 0 || c.height === 0) return false;
                      const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                      for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
                      return false;
                    });
                    return painted.length === canvases.length ? painted.length : -1;""", css);
            return ((Number) n).longValue() >= atLeast ? (Long) ((Number) n).longValue() : null;
        });
    }

    /** A screenshot of the whole page (the window grows to the document's height first). */
    private void screenshot(String name) throws IOException {
        int height = (int) Math.min(Math.max(((Number) js("return document.documentElement.scrollHeight"))
                .longValue(), 800), 8000);
        browser.manage().window().setSize(new Dimension(1400, height));
        new WebDriverWait(browser, Duration.ofSeconds(5)).until(d -> ((Number) js("return window.innerHeight"))
                .intValue() >= height - 200);
        File shot = browser.getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        browser.manage().window().setSize(new Dimension(1400, 1000));
    }

    @Test
    void theStudiesPageListsTheRecordedStudyAndAHostileNameAsText() throws IOException {
        open("/");
        WebElement study = await(By.linkText("recorded-ga"));
        assertThat(study.getAttribute("href")).endsWith("/studies/1");
        WebElement hostile = await(By.linkText(RecordedDatabase.HOSTILE));
        assertThat(hostile.getText()).isEqualTo(RecordedDatabase.HOSTILE);
        assertThat(js("return window.hacked === undefined && document.querySelectorAll('main img').length === 0"))
                .isEqualTo(true);
        assertThat(await(By.cssSelector("#studies tbody")).findElements(By.tagName("tr"))).hasSize(3);
        screenshot("studies");
    }

    @Test
    void theStudyPageDrawsItsCharts() throws IOException {
        open("/studies/1");
        assertThat(await(By.id("title")).getText()).isEqualTo("Study 1: recorded-ga");
        assertThat(chartsDrawn("#history", 1)).isEqualTo(1);
        assertThat(chartsDrawn("#pareto", 1)).isEqualTo(1);
        assertThat(chartsDrawn("#plans", 5)).as("3 best plans, the search's peft-default baseline and the uniform study")
                .isEqualTo(5);
        assertThat(chartsDrawn("#validation", 5)).as("a scatter per proxy with scores").isEqualTo(5);
        assertThat(await(By.cssSelector("#trials tbody tr td")).getText()).isEqualTo(String.valueOf(recorded.bestTrial));
        assertThat(await(By.cssSelector("#runs tbody")).findElements(By.tagName("tr"))).hasSize(3);
        screenshot("study");
    }

    @Test
    void aTrialWrittenByAnotherProcessAppearsWithoutReload() throws Exception {
        open("/studies/1");
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> "112".equals(text("trial-count")));
        chartsDrawn("#history", 1);
        js("window.notReloaded = true");
        OtherProcess.run(recorded.home.toString(), "trial");
        long written = System.nanoTime();
        new WebDriverWait(browser, LIVE, Duration.ofMillis(50)).until(d -> "113".equals(text("trial-count")));
        double seconds = (System.nanoTime() - written) / 1e9;
        assertThat(seconds).isLessThanOrEqualTo(LIVE.toMillis() / 1000.0);
        new WebDriverWait(browser, LIVE).until(d -> "0.0123".equals(text("best-fitness")));
        assertThat(js("return window.notReloaded")).as("the page was not reloaded").isEqualTo(true);
        System.out.printf("a trial written by another process showed in the open page after %.2f s%n", seconds);
    }

    @Test
    void theRunPageDrawsItsCurvesAndFollowsNewSteps() throws Exception {
        open("/runs/" + recorded.ppoRun);
        assertThat(chartsDrawn("#curves", 5)).as("reward, KL, win rate, losses, entropy").isEqualTo(5);
        assertThat(chartsDrawn("#other", 1)).as("beta").isEqualTo(1);
        assertThat(chartsDrawn("#plan", 1)).isEqualTo(1);
        assertThat(await(By.cssSelector("#outputs td")).getText()).isEqualTo("checkpoint");
        screenshot("run");
        OtherProcess.run(recorded.home.toString(), "metric", String.valueOf(recorded.ppoRun), "30");
        new WebDriverWait(browser, LIVE, Duration.ofMillis(50)).until(d -> "30".equals(text("last-step")));
    }

    @Test
    void theExperimentsPageShowsEachTableWithItsIntervals() throws IOException {
        open("/experiments");
        WebElement allocation = await(By.cssSelector("section[data-run='" + recorded.allocationExperiment + "']"));
        assertThat(allocation.getText()).contains("1.52 [1.49, 1.55]").contains("0.41 [0.38, 0.44]")
                .contains("-0.05 [-0.08, -0.02]");
        assertThat(await(By.cssSelector("section[data-run='" + recorded.rlhfExperiment + "']")).getText())
                .contains("LoRA r8 / kl").contains("0.748");
        assertThat(chartsDrawn("section[data-run='" + recorded.allocationExperiment + "']", 4))
                .as("loss, accuracy, facts accuracy and the difference to the reference").isEqualTo(4);
        screenshot("experiments");
    }

    @Test
    void theWorkQueueIsListedWhenUnitsExist() throws IOException {
        Assumptions.assumeTrue(recorded.units > 0, "this schema has no work queue");
        open("/");
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> d.findElement(By.id("nav-queue")).isDisplayed());
        open("/queue");
        assertThat(await(By.cssSelector("#counts tbody")).findElements(By.tagName("tr"))).hasSize(2);
        assertThat(await(By.cssSelector("#units tbody")).findElements(By.tagName("tr"))).hasSize(recorded.units);
        screenshot("queue");
    }

    @Test
    void aHostileStudyNameIsShownAsText() throws IOException {
        open("/studies/" + recorded.hostileStudy);
        WebElement title = await(By.id("title"));
        assertThat(title.getText()).isEqualTo("Study " + recorded.hostileStudy + ": " + RecordedDatabase.HOSTILE);
        assertThat(js("return window.hacked === undefined && document.querySelectorAll('#title *').length === 0"))
                .isEqualTo(true);
        screenshot("hostile-study");
    }
}
