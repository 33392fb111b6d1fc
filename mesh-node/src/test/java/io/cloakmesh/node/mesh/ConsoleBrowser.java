package io.cloakmesh.node.mesh;

import io.cloakmesh.node.testing.Poll;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium, driven through its chromedriver, looking at a node's web console: what a
 * person at the page would see and click, read from the page's elements.
 */
final class ConsoleBrowser implements AutoCloseable {
    static final Duration SHORT = Duration.ofSeconds(20);
    private static final File CHROMIUM = new File("/usr/bin/chromium");
    private static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");

    private final ChromeDriver driver;

    ConsoleBrowser(int width, int height) {
        if (!CHROMIUM.canExecute() || !CHROMEDRIVER.canExecute()) {
            throw new IllegalStateException("the console test needs Debian's chromium and chromium-driver: "
                    + "scripts/ensure-tools installs them");
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=" + width + "," + height);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER).build();
        driver = new ChromeDriver(service, options);
    }

    void open(String url) {
        driver.get(url);
    }

    void logIn(String token) {
        WebElement field = driver.findElement(By.id("token"));
        field.clear();
        field.sendKeys(token);
        driver.findElement(By.id("login-button")).click();
    }

    boolean shown(String id) {
        return driver.findElement(By.id(id)).isDisplayed();
    }

    String text(String id) {
        return driver.findElement(By.id(id)).getText();
    }

    // The page draws each frame afresh, once a second: what it shows is read in one script run, so that
    // no element read is replaced halfway.

    /** The state a node's row shows (up, draining, unreachable, ...), "" while it shows none. */
    String nodeState(String node) {
        return (String) driver.executeScript("const row = document.querySelector(`li.node[data-node='${arguments[0]}']`);"
                + "return row ? row.dataset.state : '';", node);
    }

    @SuppressWarnings("unchecked")
    List<String> datacenters() {
        return (List<String>) driver.executeScript(
                "return Array.from(document.querySelectorAll('article.dc'), card => card.dataset.datacenter);");
    }

    /** The open connections the service's card counts, -1 while there is no card. */
    int connections(String service) {
        return ((Number) driver.executeScript("const card = document.querySelector("
                + "`article.service[data-service='${arguments[0]}']`); return card ? Number(card.dataset.connections) : -1;",
                service)).intValue();
    }

    /** Clicks a node's action button (as a person would: a real click), checks the confirmation names it, and confirms. */
    String act(String action, String node) {
        By button = By.cssSelector("button[data-action='" + action + "'][data-node='" + node + "']");
        Poll.until(SHORT, action + " button of " + node + " clicked", () -> {
            try {
                driver.findElement(button).click();
                return true;
            } catch (NoSuchElementException | StaleElementReferenceException redrawn) {
                return false;
            }
        });
        Poll.until(SHORT, "the confirmation", () -> shown("confirm-text"));
        String question = text("confirm-text");
        driver.findElement(By.id("confirm-ok")).click();
        return question;
    }

    void resize(int width, int height) {
        driver.manage().window().setSize(new Dimension(width, height));
    }

    /** Whether the page is wider than the window (a phone would have to scroll sideways). */
    boolean overflowsSideways() {
        Object wider = driver.executeScript("return document.documentElement.scrollWidth > window.innerWidth + 1");
        return Boolean.TRUE.equals(wider);
    }

    Path screenshot(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
    }

    @Override
    public void close() {
        driver.quit();
    }
}
