package com.taskifai.api.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.activities.database.TenantDatabaseNames;
import com.taskifai.api.auth.AdminAccounts;
import com.taskifai.api.auth.TotpCodes;
import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.api.testing.Chromium;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.testing.TestPostgres;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The portal's orphan list in headless Chromium: run the reconciler, see a database made by hand,
 * remove it. Skipped where Chromium is not installed.
 */
class OrphansPortalTest extends ApiTestBase {

  @Autowired AdminAccounts accounts;
  private WebDriver browser;
  private WebDriverWait wait;
  private final DataSource server = TestPostgres.superuser("postgres");
  private final TenantDatabaseNames ghost = TenantDatabaseNames.of(UUID.randomUUID());

  @BeforeEach
  void openBrowser() {
    Chromium.assumeInstalled();
    browser = Chromium.open();
    wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    new DatabaseServers(platform().db.platform())
        .upsert(
            new CredentialCipher(KeyRing.parse(platform().masterKeys)),
            "portal-1",
            "local",
            TestPostgres.jdbcUrl("postgres"),
            "postgres",
            TestPostgres.superuserPassword(),
            100);
    TestPostgres.execute(server, "CREATE DATABASE " + ghost.database());
  }

  @AfterEach
  void closeBrowser() {
    if (browser != null) {
      browser.quit();
      TestPostgres.execute(server, "DROP DATABASE IF EXISTS " + ghost.database() + " WITH (FORCE)");
    }
  }

  @Test
  void runsTheReconcilerListsAnOrphanAndRemovesIt() {
    String email = "orphans-" + UUID.randomUUID().toString().substring(0, 8) + "@taskifai.test";
    String secret = TotpCodes.newSecret();
    accounts.createOrUpdate(email, "browser password", secret);
    String base = "http://127.0.0.1:" + port + "/";
    Chromium.logIn(browser, wait, port, email, "browser password", secret);
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("tenant-count"), "tenant(s)"));

    wait.until(ExpectedConditions.elementToBeClickable(By.id("nav-orphans"))).click();
    wait.until(ExpectedConditions.elementToBeClickable(By.id("reconcile-run"))).click();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("flash"), "Reconciler started"));
    By row = By.cssSelector("tr[data-orphan='database/" + ghost.database() + "']");
    // A scan waits out each unreachable server another test left registered: up to a minute.
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    for (int i = 0; browser.findElements(row).isEmpty() && System.nanoTime() < until; i++) {
      browser.get(base + "#/orphans?n=" + i);
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("orphan-meta")));
      sleep(300);
    }
    // Other tests register this cluster under ids of their own; the row names one of them.
    String serverId = browser.findElement(row).findElements(By.tagName("td")).get(2).getText();
    assertThat(
            new DatabaseServers(platform().db.platform())
                .find(serverId)
                .map(DatabaseServers.Server::jdbcUrl))
        .contains(TestPostgres.jdbcUrl("postgres"));
    assertThat(browser.findElement(row).getText()).contains("no tenant");

    browser.findElement(row).findElement(By.tagName("button")).click();
    wait.until(ExpectedConditions.alertIsPresent()).accept();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("flash"), "Removed"));
    assertThat(
            JdbcClient.create(server)
                .sql("SELECT count(*) FROM pg_database WHERE datname = ?")
                .param(ghost.database())
                .query(Long.class)
                .single())
        .isZero();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
