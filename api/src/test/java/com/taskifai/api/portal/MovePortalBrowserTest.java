package com.taskifai.api.portal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.taskifai.api.auth.AdminAccounts;
import com.taskifai.api.auth.TotpCodes;
import com.taskifai.api.testing.AdminHttp;
import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.VerificationTokens;
import com.taskifai.registry.testing.TestPostgres;
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
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The tenant page's database server section in headless Chromium: it names the tenant's server,
 * offers the other OPEN servers, starts a move with the subdomain typed to confirm, and shows the
 * move's workflow; the drain page starts a drain. Skipped where Chromium is not installed.
 */
class MovePortalBrowserTest extends ApiTestBase {
  private static final String CHROMIUM = "/usr/bin/chromium";
  private static final String DRIVER = "/usr/bin/chromedriver";
  private static final Path SHOTS = Path.of("target", "screenshots");

  @Autowired AdminAccounts accounts;
  @Autowired VerificationTokens verificationTokens;
  @Autowired CredentialCipher cipher;
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
      Files.write(
          SHOTS.resolve("move-99-last.png"),
          ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
      browser.quit();
    }
  }

  private WebElement byId(String id) {
    return wait.until(ExpectedConditions.visibilityOfElementLocated(By.id(id)));
  }

  @Test
  void theTenantPageStartsAMoveAndTheDrainPageADrain() throws Exception {
    DatabaseServers servers = new DatabaseServers(platform().db.platform());
    for (String s : new String[] {"pmva", "pmvb", "pmvc"}) {
      servers.upsert(
          cipher,
          s,
          "local",
          TestPostgres.jdbcUrl("postgres"),
          "postgres",
          TestPostgres.superuserPassword(),
          100);
    }
    AdminHttp http = new AdminHttp(port);
    String sub = "pmv-" + UUID.randomUUID().toString().substring(0, 8);
    String id =
        http.post(
                "/admin/tenants",
                AdminHttp.json(
                    "company_name", "Move Co", "subdomain", sub, "admin_email", "a@move.test"),
                freshToken())
            .text("tenant_id");
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                "AWAITING_VERIFICATION"
                    .equals(http.get("/admin/tenants/" + id, freshToken()).text("status")));
    http.verifyEmail(verificationTokens.issue(UUID.fromString(id), Instant.now().plusSeconds(600)));
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () -> "ACTIVE".equals(http.get("/admin/tenants/" + id, freshToken()).text("status")));
    JdbcClient.create(platform().db.owner())
        .sql(
            "UPDATE tenants SET database_name = 'tenant_x', database_server_id = 'pmva'"
                + " WHERE tenant_id = :id::uuid")
        .param("id", id)
        .update();

    String email = "mover-" + UUID.randomUUID().toString().substring(0, 8) + "@taskifai.test";
    String secret = TotpCodes.newSecret();
    accounts.createOrUpdate(email, "browser password", secret);
    browser.get("http://127.0.0.1:" + port + "/");
    byId("email").sendKeys(email);
    byId("password").sendKeys("browser password");
    byId("totp").sendKeys(TotpCodes.codeAt(secret, Instant.now()));
    byId("login-submit").click();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("tenant-count"), "tenant(s)"));

    browser.get("http://127.0.0.1:" + port + "/#/tenant/" + id);
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("move-where"), "pmva"));
    new Select(byId("move-target")).selectByValue("pmvb");
    byId("action-move").click();
    Alert prompt = wait.until(ExpectedConditions.alertIsPresent());
    prompt.sendKeys(sub);
    prompt.accept();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("move-progress"), "tenant-move-" + id + "-pmvb"));
    assertThat(http.get("/admin/tenants/" + id + "/audit", freshToken()).body())
        .contains("tenant.move");

    browser.get("http://127.0.0.1:" + port + "/#/drain/pmvc");
    byId("action-drain").click();
    wait.until(ExpectedConditions.alertIsPresent()).accept();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("drain-progress"), "server-drain-pmvc"));
    assertThat(servers.find("pmvc").orElseThrow().state()).isEqualTo("DRAINING");
  }
}
