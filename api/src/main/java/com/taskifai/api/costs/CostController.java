package com.taskifai.api.costs;

import com.taskifai.api.ApiException;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantRegistry;
import java.nio.charset.StandardCharsets;
import java.time.YearMonth;
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
 * tenant as JSON or CSV, or one tenant. A month that is not {@code YYYY-MM} answers 400.
 */
@RestController
class CostController {
  private final CostReport report;
  private final TenantRegistry registry;

  CostController(CostReport report, TenantRegistry registry) {
    this.report = report;
    this.registry = registry;
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
