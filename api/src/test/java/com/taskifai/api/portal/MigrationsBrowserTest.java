package com.taskifai.api.portal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.taskifai.api.auth.AdminAccounts;
import com.taskifai.api.auth.TotpCodes;
import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.registry.FleetMigrations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.workflows.migration.MigrateFleetWorkflow;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The portal's Migrations page in headless Chromium: start a rollout (with confirmation), see its
 * progress and a failed tenant with its error, pause it and abort it; the tenant page shows the
 * schema version. The rollout workflow is the API tests' double, so the registry rows a real
 * rollout writes are written here. Skipped where Chromium is not installed.
 */
class MigrationsBrowserTest extends ApiTestBase {
  private static final String CHROMIUM = "/usr/bin/chromium";
  private static final String DRIVER = "/usr/bin/chromedriver";
  private static final Path SHOTS = Path.of("target", "screenshots");

  @Autowired AdminAccounts accounts;
  @Autowired TenantRegistry registry;
  private WebDriver browser;
  private WebDriverWait wait;

  @BeforeEach
  void openBrowser() throws Exception {
    Assumptions.assumeTrue(
        new File(CHROMIUM).canExecute() && new File(DRIVER).canExecute(),
        "Chromium and chromedriver are not installed");
    Files.createDirectories(SHOTS);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--no-first-run",
        "--window-size=1280,1000");
    browser =
        new ChromeDriver(
            new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER)).build(),
            options);
    wait = new WebDriverWait(browser, Duration.ofSeconds(20));
  }

  @AfterEach
  void closeBrowser() throws Exception {
    if (browser != null) {
      shot("migrations-99-last");
      browser.quit();
    }
  }

  private void shot(String name) throws Exception {
    Files.write(
        SHOTS.resolve(name + ".png"),
        ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
  }

  private WebElement byId(String id) {
    return wait.until(ExpectedConditions.visibilityOfElementLocated(By.id(id)));
  }

  private void confirm() {
    wait.until(ExpectedConditions.alertIsPresent()).accept();
  }

  @Test
  void startsARolloutShowsProgressAndFailuresPausesAndAbortsIt() throws Exception {
    String email = "mig-" + UUID.randomUUID().toString().substring(0, 8) + "@taskifai.test";
    String secret = TotpCodes.newSecret();
    accounts.createOrUpdate(email, "browser password", secret);
    UUID tenant = UUID.randomUUID();
    String sub = "migweb-" + tenant.toString().substring(0, 6);
    registry.reserve(
        new TenantRegistry.Reservation(tenant, sub, "Mig Web", "a@" + sub + ".test", "local"));
    registry.setStatus(tenant, TenantStatus.ACTIVE);
    FleetMigrations fleet = registry.fleetMigrations();
    fleet.recordSchemaVersion(tenant, "1");

    browser.get("http://127.0.0.1:" + port + "/");
    byId("email").sendKeys(email);
    byId("password").sendKeys("browser password");
    byId("totp").sendKeys(TotpCodes.codeAt(secret, Instant.now()));
    byId("login-submit").click();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("tenant-count"), "tenant(s)"));

    byId("nav-migrations").click();
    byId("target_version").sendKeys("2");
    byId("canary_count").sendKeys("0");
    byId("concurrency").sendKeys("3");
    shot("migrations-01-form");
    byId("migration-submit").click();
    confirm();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("migration-state"), "RUNNING"));
    String id = browser.getCurrentUrl().replaceAll(".*#/migration/", "");
    assertThat(id).startsWith("m-");
    assertThat(byId("main").getText()).contains("Target version").contains("2");
    assertThat(
            browser.findElement(By.cssSelector("[role=progressbar]")).getAttribute("aria-valuenow"))
        .isEqualTo("0");

    // What the real rollout's activities write: one tenant done, this one failed with its error.
    fleet.tenantFinished(id, UUID.randomUUID(), false, "DONE", "2", 1, null);
    fleet.tenantFinished(
        id, tenant, true, "FAILED", null, 0, "relation \"notes\" already exists (SQLSTATE 42P07)");
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("migration-failures"), "relation \"notes\" already exists"));
    assertThat(byId("main").getText()).contains("done 1").contains("failed 1");
    shot("migrations-02-progress");

    byId("migration-pause").click();
    confirm();
    MigrateFleetWorkflow flow =
        platform()
            .client
            .newWorkflowStub(MigrateFleetWorkflow.class, MigrateFleetWorkflow.workflowId(id));
    await().atMost(Duration.ofSeconds(10)).until(() -> "PAUSED".equals(flow.progress().state()));
    fleet.setState(id, "PAUSED", "paused: by " + email);
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("migration-resume")));

    byId("migration-abort").click();
    confirm();
    await().atMost(Duration.ofSeconds(10)).until(() -> "ABORTED".equals(flow.progress().state()));
    fleet.setState(id, "ABORTED", "aborted by " + email);
    browser.navigate().refresh();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("migration-state"), "ABORTED"));
    assertThat(browser.findElements(By.id("migration-abort"))).isEmpty();

    byId("nav-migrations").click();
    wait.until(
        ExpectedConditions.visibilityOfElementLocated(
            By.cssSelector("[data-migration='" + id + "']")));
    shot("migrations-03-list");

    browser.get("http://127.0.0.1:" + port + "/#/tenant/" + tenant);
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("schema-version"), "1"));
  }
}
