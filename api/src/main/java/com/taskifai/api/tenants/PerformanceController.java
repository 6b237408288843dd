package com.taskifai.api.tenants;

import com.taskifai.api.ApiException;
import com.taskifai.api.DayWindow;
import com.taskifai.api.FleetSettings;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.ServerHealth;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantUsage;
import com.taskifai.registry.crypto.CredentialCipher;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A tenant's query performance (the spec's per-tenant "query performance"): the p50 and p95 of its
 * request latency at the routers over the last days, estimated from the latency buckets every
 * router adds to the tenant's day, and the slowest statements of its database from {@code
 * pg_stat_statements} where its server has it.
 */
@RestController
class PerformanceController {
  private final TenantRegistry registry;
  private final TenantUsage usage;
  private final DatabaseServers servers;
  private final ServerHealth health;
  private final Clock clock;

  PerformanceController(
      TenantRegistry registry,
      TenantUsage usage,
      DataSource platform,
      CredentialCipher cipher,
      FleetSettings fleet,
      Clock clock) {
    this.registry = registry;
    this.usage = usage;
    this.servers = new DatabaseServers(platform);
    this.health = new ServerHealth(servers, cipher, fleet.serverHealthTimeout());
    this.clock = clock;
  }

  /** One latency bucket: requests that took at most {@code le_ms} (null: over the last bound). */
  record Bucket(Long leMs, long requests) {}

  record Requests(long count, Double p50Ms, Double p95Ms, List<Bucket> buckets) {}

  record Statements(boolean available, String reason, List<ServerHealth.Statement> slowest) {}

  record Performance(
      UUID tenantId, LocalDate from, LocalDate to, Requests requests, Statements statements) {}

  /**
   * The last {@code days} UTC days (1 to 90, 7 by default), today included. A tenant without a
   * database of its own (a trial, a provider-hosted one, one not provisioned yet) has no statements
   * and says why.
   */
  @GetMapping("/admin/tenants/{id}/performance")
  Performance performance(@PathVariable UUID id, @RequestParam(required = false) String days) {
    DayWindow window = DayWindow.lastDays(days, 7, 90, clock);
    Tenant t = registry.findById(id).orElseThrow(() -> ApiException.notFound("no tenant " + id));
    LocalDate from = window.from();
    LocalDate to = window.to();
    TenantUsage.Latency latency = usage.latency(id, from, to);
    List<Bucket> buckets = new ArrayList<>();
    for (int i = 0; i < latency.buckets().length; i++) {
      buckets.add(
          new Bucket(
              i < TenantUsage.LATENCY_BOUNDS_MS.length ? TenantUsage.LATENCY_BOUNDS_MS[i] : null,
              latency.buckets()[i]));
    }
    return new Performance(
        id,
        from,
        to.minusDays(1),
        new Requests(latency.requests(), latency.p50Millis(), latency.p95Millis(), buckets),
        statements(t));
  }

  private Statements statements(Tenant t) {
    if (t.isTrial()) {
      return unavailable("a trial's rows live in the shared trial database");
    }
    if (t.databaseServerId() == null || t.databaseName() == null) {
      return unavailable("the tenant has no database yet");
    }
    return servers
        .find(t.databaseServerId())
        .map(
            s -> {
              ServerHealth.Statements st = health.slowestStatements(s, t.databaseName(), 5);
              return new Statements(st.available(), st.reason(), st.slowest());
            })
        .orElseGet(
            () ->
                unavailable(
                    "the tenant's database is not on a registered server (a provider hosts it)"));
  }

  private static Statements unavailable(String reason) {
    return new Statements(false, reason, List.of());
  }
}
