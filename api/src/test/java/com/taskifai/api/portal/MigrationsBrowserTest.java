package com.taskifai.api.portal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.taskifai.api.auth.AdminAccounts;
import com.taskifai.api.auth.TotpCodes;
import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.api.testing.Chromium;
import com.taskifai.registry.FleetMigrations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.workflows.migration.MigrateFleetWorkflow;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
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

  @Autowired AdminAccounts accounts;
  @Autowired TenantRegistry registry;
  private WebDriver browser;
  private WebDriverWait wait;

  @BeforeEach
  void openBrowser() throws Exception {
    Chromium.assumeInstalled();
    browser = Chromium.open(Chromium.SCREENSHOT_WINDOW);
    wait = new WebDriverWait(browser, Duration.ofSeconds(20));
  }

  @AfterEach
  void closeBrowser() throws Exception {
    if (browser != null) {
      shot("migrations-99-last");
      browser.quit();
    }
  }

  private void shot(String name) {
    Chromium.shot(browser, name);
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

    Chromium.logIn(browser, wait, port, email, "browser password", secret);
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
