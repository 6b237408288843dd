package com.taskifai.api.servers;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.api.auth.AdminAccounts;
import com.taskifai.api.auth.TotpCodes;
import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.api.testing.Chromium;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.testing.TestPostgres;
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
 * The portal's Servers page in headless Chromium: the list with health, a registration refused for
 * a wrong password and then accepted, and closing the new server. Skipped where Chromium is not
 * installed.
 */
class ServersPortalTest extends ApiTestBase {

  @Autowired AdminAccounts accounts;
  private WebDriver browser;
  private WebDriverWait wait;

  @BeforeEach
  void openBrowser() {
    Chromium.assumeInstalled();
    browser = Chromium.open();
    wait = new WebDriverWait(browser, Duration.ofSeconds(20));
  }

  @AfterEach
  void closeBrowser() {
    if (browser != null) {
      browser.quit();
    }
  }

  private void type(String id, String text) {
    WebElement input = browser.findElement(By.id(id));
    input.clear();
    input.sendKeys(text);
  }

  @Test
  void listsServersRegistersOneAndClosesIt() {
    String email = "servers-" + UUID.randomUUID().toString().substring(0, 8) + "@taskifai.test";
    String secret = TotpCodes.newSecret();
    accounts.createOrUpdate(email, "browser password", secret);
    Chromium.logIn(browser, wait, port, email, "browser password", secret);
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("tenant-count"), "tenant(s)"));

    wait.until(ExpectedConditions.elementToBeClickable(By.id("nav-servers"))).click();
    By local = By.cssSelector("tr[data-server='zz-api-test-local']");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(local, "PostgreSQL 15"));
    assertThat(browser.findElement(local).getText())
        .contains("OPEN")
        .contains("/ 100000")
        .contains("archiving off");

    String id = "portal-" + UUID.randomUUID().toString().substring(0, 8);
    type("server-server_id", id);
    type("server-region", "eu-west");
    type("server-jdbc_url", TestPostgres.jdbcUrl("postgres"));
    type("server-admin_password", "wrong password");
    browser.findElement(By.id("server-submit")).click();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("server-error"), "password authentication failed"));
    assertThat(new DatabaseServers(platform().db.platform()).find(id)).isEmpty();

    type("server-admin_password", TestPostgres.superuserPassword());
    browser.findElement(By.id("server-submit")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("flash"), "registered"));
    By row = By.cssSelector("tr[data-server='" + id + "']");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(row, "PostgreSQL 15"));
    assertThat(browser.findElement(row).getText()).contains("eu-west").contains("0 / 500");

    browser.findElement(row).findElement(By.cssSelector("button[data-action='close']")).click();
    wait.until(ExpectedConditions.alertIsPresent()).accept();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("flash"), "CLOSED"));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(row, "CLOSED"));
    assertThat(browser.findElement(row).findElements(By.cssSelector("button[data-action='open']")))
        .hasSize(1);
    assertThat(new DatabaseServers(platform().db.platform()).find(id).orElseThrow().state())
        .isEqualTo("CLOSED");
  }
}
