package com.taskifai.api.costs;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.api.auth.AdminAccounts;
import com.taskifai.api.auth.TotpCodes;
import com.taskifai.api.testing.AdminHttp;
import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.api.testing.Chromium;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.TenantUsage;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * The cost report through the admin API (bad months, CSV escaping) and the portal's Costs page in
 * headless Chromium (skipped where it is not installed): a tenant's line with its sparkline.
 */
class CostsPortalTest extends ApiTestBase {

  @Autowired AdminAccounts accounts;
  private WebDriver browser;

  @AfterEach
  void closeBrowser() {
    if (browser != null) {
      browser.quit();
    }
  }

  private UUID tenantWithUsage(String subdomain, String company) {
    UUID id = UUID.randomUUID();
    TenantRegistry registry = new TenantRegistry(platform().db.platform());
    registry.reserve(
        new TenantRegistry.Reservation(
            id, subdomain, company, "a@" + subdomain + ".test", "local"));
    registry.setStatus(id, TenantStatus.ACTIVE);
    TenantUsage usage = new TenantUsage(platform().db.platform());
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    usage.recordSize(id, today.withDayOfMonth(1), 100L << 20);
    usage.recordSize(id, today, 150L << 20);
    usage.add(List.of(new TenantUsage.Delta(id, today, 1_234, 5_000, 10, 2_048)));
    return id;
  }

  @Test
  void badMonthsAreClear400sAndTheCsvEscapesWhatItMust() {
    String token = freshToken();
    UUID id =
        tenantWithUsage(
            "costs-csv-" + UUID.randomUUID().toString().substring(0, 6), "=Evil, \"Quoted\"\nCo");
    for (String path :
        List.of(
            "/admin/costs?month=2026-13",
            "/admin/costs?month=2026-1",
            "/admin/costs.csv?month=yesterday",
            "/admin/tenants/" + id + "/costs?month=1999-12")) {
      AdminHttp.Answer bad = http.get(path, token);
      assertThat(bad.status()).as(path).isEqualTo(400);
      assertThat(bad.json().get("detail").asString()).as(path).contains("YYYY-MM");
    }
    assertThat(http.get("/admin/tenants/" + UUID.randomUUID() + "/costs", token).status())
        .isEqualTo(404);

    JsonNode line = http.get("/admin/tenants/" + id + "/costs", token).json().get("tenants").get(0);
    assertThat(line.get("requests").asLong()).isEqualTo(1_234);
    assertThat(line.get("connection_seconds").asDouble()).isEqualTo(5.0);
    assertThat(line.get("database_bytes").asLong()).isEqualTo(150L << 20);

    String csv = http.get("/admin/costs.csv", token).body();
    String mine = null;
    for (String rec : csv.split("\r\n(?=\\d{4}-\\d{2},)")) {
      if (rec.contains(id.toString())) {
        mine = rec;
      }
    }
    assertThat(mine).isNotNull();
    // Quoted (comma, quote, line break), quotes doubled, and no formula for a spreadsheet.
    assertThat(mine).contains(",\"'=Evil, \"\"Quoted\"\"\nCo\",");
    assertThat(csv).startsWith("month,tenant_id,subdomain,company_name,");
  }

  @Test
  void theCostsPageShowsEachTenantWithAChartOfItsDatabaseSize() {
    Chromium.assumeInstalled();
    UUID id =
        tenantWithUsage("costs-page-" + UUID.randomUUID().toString().substring(0, 6), "Page Co");
    browser = Chromium.open();
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    String email = "costs-" + UUID.randomUUID().toString().substring(0, 8) + "@taskifai.test";
    String secret = TotpCodes.newSecret();
    accounts.createOrUpdate(email, "browser password", secret);
    Chromium.logIn(browser, wait, port, email, "browser password", secret);
    wait.until(ExpectedConditions.elementToBeClickable(By.id("nav-costs"))).click();
    By row = By.cssSelector("tr[data-tenant='" + id + "']");
    WebElement line = wait.until(ExpectedConditions.visibilityOfElementLocated(row));
    assertThat(line.getText()).contains("150.00 MiB").contains("1234");
    int days = LocalDate.now(ZoneOffset.UTC).getDayOfMonth() == 1 ? 1 : 2;
    assertThat(line.findElements(By.cssSelector("svg.sparkline circle"))).hasSize(days);
    assertThat(browser.findElement(By.id("cost-meta")).getText()).contains("per million requests");
    assertThat(browser.findElement(By.id("cost-csv")).isDisplayed()).isTrue();
  }
}
