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

  @Test
  void usageByDayIsZeroFilledForThirtyDaysAndBadDaysAreClear400s() {
    String token = freshToken();
    UUID id = tenantWithUsage("usage-" + UUID.randomUUID().toString().substring(0, 6), "Usage Co");
    JsonNode series = http.get("/admin/tenants/" + id + "/usage", token).json();
    JsonNode days = series.get("days");
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    assertThat(days.size()).isEqualTo(30);
    assertThat(series.get("to").asString()).isEqualTo(today.toString());
    assertThat(series.get("from").asString()).isEqualTo(today.minusDays(29).toString());
    JsonNode last = days.get(29);
    assertThat(last.get("day").asString()).isEqualTo(today.toString());
    assertThat(last.get("requests").asLong()).isEqualTo(1_234);
    assertThat(last.get("upload_rows").asLong()).isEqualTo(10);
    assertThat(last.get("database_bytes").asLong()).isEqualTo(150L << 20);
    // A day with neither usage nor a size sample: zero requests, no size.
    JsonNode empty = days.get(0).get("day").asString().endsWith("-01") ? days.get(1) : days.get(0);
    assertThat(empty.get("requests").asLong()).isZero();
    assertThat(empty.get("database_bytes").isNull()).isTrue();
    assertThat(http.get("/admin/tenants/" + id + "/usage?days=7", token).json().get("days").size())
        .isEqualTo(7);
    for (String bad : List.of("0", "367", "ten", "-3")) {
      AdminHttp.Answer answer = http.get("/admin/tenants/" + id + "/usage?days=" + bad, token);
      assertThat(answer.status()).as(bad).isEqualTo(400);
      assertThat(answer.json().get("detail").asString()).as(bad).contains("1 to 366");
    }
    assertThat(http.get("/admin/tenants/" + UUID.randomUUID() + "/usage", token).status())
        .isEqualTo(404);
    assertThat(http.get("/admin/tenants/" + id + "/usage", null).status()).isEqualTo(401);
  }

  @Test
  void performanceGivesTheLatencyQuantilesFromTheRoutersBucketsAndSaysWhyStatementsAreMissing() {
    String token = freshToken();
    UUID id = tenantWithUsage("perf-" + UUID.randomUUID().toString().substring(0, 6), "Perf Co");
    // 10 requests: 8 at most 5 ms, 2 in (100, 250] ms; written as two routers' deltas.
    TenantUsage usage = new TenantUsage(platform().db.platform());
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    usage.add(
        List.of(
            new TenantUsage.Delta(id, today, 6, 0, 0, 0, new long[] {6, 0, 0, 0, 0, 0}),
            new TenantUsage.Delta(
                id, today, 4, 0, 0, 0, new long[] {2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0})));
    JsonNode perf = http.get("/admin/tenants/" + id + "/performance", token).json();
    JsonNode requests = perf.get("requests");
    assertThat(requests.get("count").asLong()).isEqualTo(10);
    // p50: rank 5 of the 8 in [0, 5] ms -> 3.125 ms; p95: rank 9.5, in (100, 250] -> 212.5 ms.
    assertThat(requests.get("p50_ms").asDouble()).isEqualTo(3.125);
    assertThat(requests.get("p95_ms").asDouble()).isEqualTo(212.5);
    assertThat(requests.get("buckets").get(5).get("le_ms").asLong()).isEqualTo(250);
    assertThat(requests.get("buckets").get(10).get("le_ms").isNull()).isTrue();
    // The reserved tenant has no database: statements say why, not a 500.
    assertThat(perf.get("statements").get("available").asBoolean()).isFalse();
    assertThat(perf.get("statements").get("reason").asString()).contains("no database");
    for (String bad : List.of("0", "91", "x")) {
      assertThat(http.get("/admin/tenants/" + id + "/performance?days=" + bad, token).status())
          .as(bad)
          .isEqualTo(400);
    }
    assertThat(http.get("/admin/tenants/" + UUID.randomUUID() + "/performance", token).status())
        .isEqualTo(404);
    // A tenant placed on the test server, which does not load pg_stat_statements: the reason
    // names the server and what to do.
    org.springframework.jdbc.core.simple.JdbcClient.create(platform().db.platform())
        .sql(
            "UPDATE tenants SET database_server_id = 'zz-api-test-local', database_name ="
                + " 'postgres' WHERE tenant_id = :id")
        .param("id", id)
        .update();
    JsonNode statements =
        http.get("/admin/tenants/" + id + "/performance", token).json().get("statements");
    assertThat(statements.get("available").asBoolean()).isFalse();
    assertThat(statements.get("reason").asString())
        .contains("pg_stat_statements is not installed on server zz-api-test-local");
  }

  @Test
  void chartsOnTheTenantCostsAndServersPagesShowTheirData() {
    Chromium.assumeInstalled();
    String token = freshToken();
    String sub = "charts-" + UUID.randomUUID().toString().substring(0, 6);
    UUID id = tenantWithUsage(sub, "Charts Co");
    String provisioned =
        activeTenant(
            "Steps Co",
            "steps-" + UUID.randomUUID().toString().substring(0, 6),
            "a@steps.test",
            token);
    browser = Chromium.open();
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    String email = "charts-" + UUID.randomUUID().toString().substring(0, 8) + "@taskifai.test";
    String secret = TotpCodes.newSecret();
    accounts.createOrUpdate(email, "browser password", secret);
    Chromium.logIn(browser, wait, port, email, "browser password", secret);
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("tenant-count"), "tenant(s)"));

    // The tenant page: size and requests by day for 30 days, today's bars carry today's figures.
    browser.get("http://127.0.0.1:" + port + "/#/tenant/" + id);
    wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#chart-requests rect"), 30));
    List<WebElement> requestBars = browser.findElements(By.cssSelector("#chart-requests rect"));
    assertThat(requestBars.get(29).getAttribute("data-value")).isEqualTo("1234");
    assertThat(requestBars.get(29).getAttribute("data-label"))
        .isEqualTo(LocalDate.now(ZoneOffset.UTC).toString());
    assertThat(requestBars.get(29).getSize().getHeight()).isPositive();
    List<WebElement> sizeBars = browser.findElements(By.cssSelector("#chart-size rect"));
    assertThat(sizeBars).isNotEmpty().hasSizeLessThanOrEqualTo(2);
    assertThat(sizeBars.get(sizeBars.size() - 1).getAttribute("data-value"))
        .isEqualTo(Long.toString(150L << 20));
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("statements-unavailable")));
    assertThat(browser.findElement(By.id("latency")).getText()).contains("p50", "p95");
    shotOf("usage", "tenant-usage-charts");

    // A provisioned tenant: its workflow's steps as bars on one time axis.
    browser.get("http://127.0.0.1:" + port + "/#/tenant/" + provisioned);
    wait.until(
        ExpectedConditions.numberOfElementsToBeMoreThan(By.cssSelector("#timeline-bar rect"), 5));
    List<String> stepNames =
        browser.findElements(By.cssSelector("#timeline-bar rect")).stream()
            .map(r -> r.getAttribute("data-label"))
            .toList();
    // The bars are the history's steps (what this test platform's worker ran), in order.
    String workflowId =
        http.get("/admin/tenants/" + provisioned, token).json().get("workflow_id").asString();
    List<String> historySteps = new java.util.ArrayList<>();
    for (JsonNode e :
        http.get("/admin/tenants/" + provisioned + "/workflows/" + workflowId + "/history", token)
            .json()
            .get("entries")) {
      if (!e.get("kind").asString().equals("timer")
          && !e.get("scheduled_at").isNull()
          && !e.get("finished_at").isNull()) {
        historySteps.add(e.get("name").asString());
      }
    }
    assertThat(stepNames).isEqualTo(historySteps);
    shotOf("timeline-bar", "tenant-step-timeline");

    // Costs: the estimate per tenant as bars.
    browser.get("http://127.0.0.1:" + port + "/#/costs");
    WebElement costBar =
        wait.until(
            ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#cost-bars rect[data-label='" + sub + "']")));
    JsonNode line = http.get("/admin/tenants/" + id + "/costs", token).json().get("tenants").get(0);
    assertThat(Double.parseDouble(costBar.getAttribute("data-value")))
        .isEqualTo(line.get("estimate").get("total").asDouble());
    shotOf("cost-bars", "costs-chart");

    // Servers: tenants of capacity and connections in use of the maximum, per server.
    browser.get("http://127.0.0.1:" + port + "/#/servers");
    wait.until(
        ExpectedConditions.numberOfElementsToBeMoreThan(
            By.cssSelector("#server-capacity rect[data-label]"), 0));
    WebElement connections =
        wait.until(
            ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#server-connections rect[data-label]")));
    assertThat(Integer.parseInt(connections.getAttribute("data-value"))).isPositive();
    shotOf("server-charts", "servers-charts");
  }

  /** A screenshot with the element in view (target/screenshots). */
  private void shotOf(String elementId, String name) {
    ((org.openqa.selenium.JavascriptExecutor) browser)
        .executeScript(
            "arguments[0].scrollIntoView({block: 'start'})", browser.findElement(By.id(elementId)));
    Chromium.shot(browser, name);
  }
}
