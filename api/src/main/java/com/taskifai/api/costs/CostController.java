package com.taskifai.api.costs;

import com.taskifai.api.ApiException;
import com.taskifai.api.DayWindow;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantUsage;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * What each tenant costs in a month ({@code month=YYYY-MM}, the current one by default): every
 * tenant as JSON or CSV, or one tenant. A month that is not {@code YYYY-MM} answers 400. And one
 * tenant's usage day by day (the portal's charts).
 */
@RestController
class CostController {
  private final CostReport report;
  private final TenantRegistry registry;
  private final TenantUsage usage;
  private final Clock clock;

  CostController(CostReport report, TenantRegistry registry, TenantUsage usage, Clock clock) {
    this.report = report;
    this.registry = registry;
    this.usage = usage;
    this.clock = clock;
  }

  /** One tenant's day in {@code GET /admin/tenants/{id}/usage}. */
  record UsageDay(
      LocalDate day, Long databaseBytes, long requests, long uploadRows, long uploadBytes) {}

  /**
   * The answer of {@code GET /admin/tenants/{id}/usage}: the last {@code days} days, today last.
   */
  record UsageSeries(UUID tenantId, LocalDate from, LocalDate to, List<UsageDay> days) {}

  /**
   * The tenant's database size samples, requests and uploads per (UTC) day over the last {@code
   * days} days (1 to 366, 30 by default), today included; a day without usage counts zero, a day
   * without a size sample has {@code database_bytes: null}.
   */
  @GetMapping("/admin/tenants/{id}/usage")
  UsageSeries usage(@PathVariable UUID id, @RequestParam(required = false) String days) {
    DayWindow window = DayWindow.lastDays(days, 30, 366, clock);
    registry.findById(id).orElseThrow(() -> ApiException.notFound("no tenant " + id));
    LocalDate from = window.from();
    LocalDate to = window.to();
    List<UsageDay> series =
        usage.daily(id, from, to).stream()
            .map(
                d ->
                    new UsageDay(
                        d.day(), d.databaseBytes(), d.requests(), d.uploadRows(), d.uploadBytes()))
            .toList();
    return new UsageSeries(id, from, to.minusDays(1), series);
  }

  @GetMapping("/admin/costs")
  CostReport.Report all(@RequestParam(required = false) String month) {
    return report.report(report.month(month));
  }

  @GetMapping("/admin/tenants/{id}/costs")
  CostReport.Report tenant(@PathVariable UUID id, @RequestParam(required = false) String month) {
    YearMonth m = report.month(month);
    Tenant tenant =
        registry.findById(id).orElseThrow(() -> ApiException.notFound("no tenant " + id));
    return report.report(m, tenant);
  }

  @GetMapping(value = "/admin/costs.csv", produces = "text/csv")
  ResponseEntity<byte[]> csv(@RequestParam(required = false) String month) {
    CostReport.Report r = report.report(report.month(month));
    return ResponseEntity.ok()
        .contentType(new MediaType("text", "csv", StandardCharsets.UTF_8))
        .header(
            HttpHeaders.CONTENT_DISPOSITION,
            "attachment; filename=\"taskifai-costs-" + r.month() + ".csv\"")
        .body(CostCsv.of(r).getBytes(StandardCharsets.UTF_8));
  }
}
