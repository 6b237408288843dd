package com.taskifai.api.portal;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.api.auth.AdminAccounts;
import com.taskifai.api.auth.TotpCodes;
import com.taskifai.api.testing.AdminHttp;
import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.api.testing.Chromium;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.VerificationTokens;
import com.taskifai.registry.testing.TestPostgres;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
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

  @Autowired AdminAccounts accounts;
  @Autowired VerificationTokens verificationTokens;
  @Autowired CredentialCipher cipher;
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
      Chromium.shot(browser, "move-99-last");
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
    String id = activeTenant("Move Co", sub, "a@move.test", freshToken());
    JdbcClient.create(platform().db.owner())
        .sql(
            "UPDATE tenants SET database_name = 'tenant_x', database_server_id = 'pmva'"
                + " WHERE tenant_id = :id::uuid")
        .param("id", id)
        .update();

    String email = "mover-" + UUID.randomUUID().toString().substring(0, 8) + "@taskifai.test";
    String secret = TotpCodes.newSecret();
    accounts.createOrUpdate(email, "browser password", secret);
    Chromium.logIn(browser, wait, port, email, "browser password", secret);
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
