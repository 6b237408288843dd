package com.taskifai.api.testing;

import com.taskifai.api.auth.TotpCodes;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Headless Chromium for the portal's browser tests, which are skipped where it is not installed.
 */
public final class Chromium {
  private static final String BINARY = "/usr/bin/chromium";
  private static final String DRIVER = "/usr/bin/chromedriver";

  /** Where screenshots go. */
  public static final Path SHOTS = Path.of("target", "screenshots");

  /** The arguments of the tests that take screenshots: a fixed, large window, nothing else. */
  public static final String[] SCREENSHOT_WINDOW = {
    "--disable-background-networking", "--no-first-run", "--window-size=1280,1000"
  };

  private Chromium() {}

  /** Skips the calling test where Chromium or chromedriver is not installed. */
  public static void assumeInstalled() {
    Assumptions.assumeTrue(
        new File(BINARY).canExecute() && new File(DRIVER).canExecute(),
        "Chromium and chromedriver are not installed");
  }

  /** A headless browser with {@code extraArguments} added; the caller quits it. */
  public static WebDriver open(String... extraArguments) {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(BINARY);
    List<String> arguments =
        new ArrayList<>(
            List.of("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"));
    arguments.addAll(List.of(extraArguments));
    options.addArguments(arguments);
    return new ChromeDriver(
        new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER)).build(), options);
  }

  /** Saves the page as {@code target/screenshots/<name>.png}. */
  public static void shot(WebDriver browser, String name) {
    try {
      Files.createDirectories(SHOTS);
      Files.write(
          SHOTS.resolve(name + ".png"),
          ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Opens the portal on {@code port} and submits its login form with the account's current one-time
   * code (the caller waits for what the login should show).
   */
  public static void logIn(
      WebDriver browser,
      WebDriverWait wait,
      int port,
      String email,
      String password,
      String secret) {
    browser.get("http://127.0.0.1:" + port + "/");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("email"))).sendKeys(email);
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("password"))).sendKeys(password);
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("totp")))
        .sendKeys(TotpCodes.codeAt(secret, Instant.now()));
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-submit"))).click();
  }
}
