package com.taskifai.api.portal;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.api.auth.AdminAccounts;
import com.taskifai.api.auth.TotpCodes;
import com.taskifai.api.testing.AdminHttp;
import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.api.testing.Chromium;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.crypto.VerificationTokens;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * The portal in headless Chromium: log in with a one-time code, create a tenant (seeing a field
 * error first), watch it reach AWAITING_VERIFICATION, and suspend an active tenant. Screenshots go
 * to target/screenshots/. Skipped where Chromium is not installed.
 */
class PortalBrowserTest extends ApiTestBase {

  @Autowired AdminAccounts accounts;
  @Autowired VerificationTokens verificationTokens;
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
      shot("99-last");
      browser.manage().logs().get("browser").forEach(e -> System.out.println("browser: " + e));
      browser.quit();
    }
  }

  private void shot(String name) {
    Chromium.shot(browser, name);
  }

  private WebElement byId(String id) {
    return wait.until(ExpectedConditions.visibilityOfElementLocated(By.id(id)));
  }

  private void awaitStatusText(String status) {
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("tenant-status"), status));
  }

  @Test
  void logsInCreatesATenantAndSuspendsAnActiveOne() throws Exception {
    String email = "browser-" + UUID.randomUUID().toString().substring(0, 8) + "@taskifai.test";
    String secret = TotpCodes.newSecret();
    accounts.createOrUpdate(email, "browser password", secret);

    browser.get("http://127.0.0.1:" + port + "/");
    byId("email").sendKeys(email);
    byId("password").sendKeys("browser password");
    byId("totp")
        .sendKeys("000000".equals(TotpCodes.codeAt(secret, Instant.now())) ? "111111" : "000000");
    shot("01-login");
    byId("login-submit").click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("login-error"), "wrong"));
    byId("totp").sendKeys(TotpCodes.codeAt(secret, Instant.now()));
    byId("login-submit").click();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("tenant-count"), "tenant(s)"));
    shot("02-tenants");

    byId("nav-new").click();
    String sub = "web-" + UUID.randomUUID().toString().substring(0, 8);
    byId("company_name").sendKeys("Browser Co");
    byId("subdomain").sendKeys("Bad Name");
    byId("admin_email").sendKeys("boss@browser.test");
    byId("create-submit").click();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("err-subdomain"), "lower-case"));
    assertThat(byId("subdomain").getAttribute("aria-invalid")).isEqualTo("true");
    shot("03-create-field-error");
    byId("subdomain").clear();
    byId("subdomain").sendKeys(sub);
    byId("create-submit").click();
    awaitStatusText("AWAITING_VERIFICATION");
    assertThat(browser.findElement(By.id("steps")).getText()).contains("reserve_tenant");
    shot("04-awaiting-verification");

    // An active tenant, made through the API and the verification link.
    AdminHttp http = new AdminHttp(port);
    String activeSub = "web-act-" + UUID.randomUUID().toString().substring(0, 6);
    String id = activeTenant("Active Co", activeSub, "a@act.test", freshToken());

    // Run as a Supabase project: the page shows the provider, its status, the project and a link
    // to the project's dashboard.
    String ref = "portalref" + UUID.randomUUID().toString().replace("-", "").substring(0, 11);
    org.springframework.jdbc.core.simple.JdbcClient.create(platform().db.owner())
        .sql(
            "UPDATE tenants SET database_provider = 'supabase', provider_project_ref = :r,"
                + " database_name = COALESCE(database_name, 'tenant_x') WHERE tenant_id = :t")
        .param("r", ref)
        .param("t", UUID.fromString(id))
        .update();

    byId("nav-tenants").click();
    byId("filter-search").sendKeys(activeSub);
    byId("filter-apply").click();
    assertThat(
            wait.until(
                    ExpectedConditions.visibilityOfElementLocated(
                        By.cssSelector("tr[data-subdomain='" + activeSub + "'] td.tier")))
                .getText())
        .isEqualTo("dedicated");
    wait.until(
            ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("tr[data-subdomain='" + activeSub + "'] a")))
        .click();
    awaitStatusText("ACTIVE");
    shot("05-active-tenant");
    assertThat(byId("tenant-facts").getText())
        .containsPattern("Tier\\s+dedicated")
        .containsPattern("Database provider\\s+supabase")
        .containsPattern("Supabase project\\s+" + ref)
        .containsPattern("Provider status\\s+unknown");
    assertThat(byId("provider-dashboard").getAttribute("href"))
        .isEqualTo("https://supabase.com/dashboard/project/" + ref);
    // The Import card: a plain dump that creates a role is refused (422, nothing staged) and its
    // report is a table of file, line, object and reason.
    java.nio.file.Path hostile = java.nio.file.Files.createTempFile("hostile-", ".sql");
    java.nio.file.Files.writeString(hostile, "SELECT 1;\nCREATE ROLE evil LOGIN;\n");
    byId("import-file").sendKeys(hostile.toString());
    byId("action-import").click();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("import-report"), "creates a role"));
    assertThat(byId("import-report").findElements(By.cssSelector("tr td")))
        .extracting(org.openqa.selenium.WebElement::getText)
        .startsWith(hostile.getFileName().toString(), "2");
    assertThat(byId("flash").getText()).contains("nothing was changed");
    shot("05b-import-refused");
    java.nio.file.Files.delete(hostile);
    // Traces are off here (no taskifai.traces.url): the workflow has no trace link.
    wait.until(
        ExpectedConditions.presenceOfElementLocated(By.cssSelector("#workflow-select option")));
    WebElement noTrace = browser.findElement(By.id("workflow-trace"));
    assertThat(noTrace.isDisplayed()).isFalse();
    assertThat(noTrace.getAttribute("href")).isNull();
    byId("action-suspend").click();
    wait.until(ExpectedConditions.alertIsPresent()).accept();
    awaitStatusText("SUSPENDED");
    shot("06-suspended");
    assertThat(byId("audit-rows").getText()).contains("tenant.suspend").contains(email);
  }

  /** With a trace viewer configured, the API's own context (the setting is read at start). */
  @Nested
  @TestPropertySource(properties = "taskifai.traces.url=http://traces.test:16686/")
  class WithATraceViewer {
    @org.springframework.boot.test.web.server.LocalServerPort int viewerPort;
    @Autowired TenantRegistry registry;
    @Autowired AdminAccounts viewerAccounts;

    @Test
    void linksTheChosenWorkflowToItsTraceInTheViewer() throws Exception {
      String email = "trace-" + UUID.randomUUID().toString().substring(0, 8) + "@taskifai.test";
      String secret = TotpCodes.newSecret();
      viewerAccounts.createOrUpdate(email, "browser password", secret);
      // A tenant in the registry is enough: its provisioning workflow is listed by its id.
      UUID id = UUID.randomUUID();
      String sub = "trace-" + id.toString().substring(0, 8);
      registry.reserve(
          new TenantRegistry.Reservation(id, sub, "Trace Co", "t@trace.test", "local"));
      registry.setStatus(id, TenantStatus.ACTIVE);

      Chromium.logIn(browser, wait, viewerPort, email, "browser password", secret);
      wait.until(
          ExpectedConditions.textToBePresentInElementLocated(By.id("tenant-count"), "tenant(s)"));
      browser.get("http://127.0.0.1:" + viewerPort + "/#/tenant/" + id);
      awaitStatusText("ACTIVE");
      WebElement trace = byId("workflow-trace");
      ((org.openqa.selenium.JavascriptExecutor) browser)
          .executeScript("arguments[0].scrollIntoView({block: 'center'})", trace);
      shot("07-trace-link");
      assertThat(trace.getAttribute("href"))
          .isEqualTo(
              "http://traces.test:16686/search?service=taskifai-worker&tags="
                  + "%7B%22workflowId%22%3A%22tenant-provision-"
                  + sub
                  + "%22%7D");
      assertThat(trace.getAttribute("target")).isEqualTo("_blank");
    }
  }
}
