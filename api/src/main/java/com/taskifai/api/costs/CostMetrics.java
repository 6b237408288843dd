package com.taskifai.api.costs;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The current month's cost report as gauges per tenant (tag {@code tenant}: the tenant id), read
 * from the registry every minute ({@code taskifai.costs.metrics-refresh}): {@code
 * taskifai_tenant_cost_estimate} (in the report's currency), {@code taskifai_tenant_database_bytes}
 * (latest sample), {@code taskifai_tenant_database_growth_bytes}, {@code
 * taskifai_tenant_requests_month}, {@code taskifai_tenant_connection_seconds_month}, {@code
 * taskifai_tenant_upload_bytes_month} and {@code taskifai_tenant_backup_stored_bytes}.
 */
@Component
class CostMetrics implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CostMetrics.class);

  private final CostReport report;
  private final Clock clock;
  private final MultiGauge estimate;
  private final MultiGauge databaseBytes;
  private final MultiGauge growth;
  private final MultiGauge requests;
  private final MultiGauge connectionSeconds;
  private final MultiGauge uploadBytes;
  private final MultiGauge backupBytes;
  private final ScheduledExecutorService refresher =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "cost-metrics");
            t.setDaemon(true);
            return t;
          });

  CostMetrics(MeterRegistry registry, CostReport report, Clock clock, CostSettings settings) {
    this.report = report;
    this.clock = clock;
    this.estimate =
        MultiGauge.builder("taskifai.tenant.cost.estimate")
            .description("The tenant's estimated cost this month, in the cost report's currency")
            .register(registry);
    this.databaseBytes =
        MultiGauge.builder("taskifai.tenant.database")
            .description("The tenant database's size at its latest sample")
            .baseUnit("bytes")
            .register(registry);
    this.growth =
        MultiGauge.builder("taskifai.tenant.database.growth")
            .description("How much the tenant database grew this month (latest minus first sample)")
            .baseUnit("bytes")
            .register(registry);
    this.requests =
        MultiGauge.builder("taskifai.tenant.requests.month")
            .description("Requests through the routers this month")
            .register(registry);
    this.connectionSeconds =
        MultiGauge.builder("taskifai.tenant.connection.seconds.month")
            .description("Tenant database connection time of the routers this month")
            .register(registry);
    this.uploadBytes =
        MultiGauge.builder("taskifai.tenant.upload.bytes.month")
            .description("Bytes of sell-out files imported this month")
            .register(registry);
    this.backupBytes =
        MultiGauge.builder("taskifai.tenant.backup.stored")
            .description("Stored bytes of the tenant's kept backups")
            .baseUnit("bytes")
            .register(registry);
    long every = Math.max(1_000, settings.metricsRefresh().toMillis());
    refresher.scheduleWithFixedDelay(this::refreshQuietly, 0, every, TimeUnit.MILLISECONDS);
  }

  private void refreshQuietly() {
    try {
      refresh();
    } catch (RuntimeException e) {
      log.debug("cost metrics unavailable: {}", e.getClass().getSimpleName());
    }
  }

  /** Reads the current month's report and replaces every row. */
  void refresh() {
    CostReport.Report r = report.report(YearMonth.now(clock.withZone(ZoneOffset.UTC)));
    List<MultiGauge.Row<?>> e = new ArrayList<>();
    List<MultiGauge.Row<?>> d = new ArrayList<>();
    List<MultiGauge.Row<?>> g = new ArrayList<>();
    List<MultiGauge.Row<?>> q = new ArrayList<>();
    List<MultiGauge.Row<?>> c = new ArrayList<>();
    List<MultiGauge.Row<?>> u = new ArrayList<>();
    List<MultiGauge.Row<?>> b = new ArrayList<>();
    for (CostReport.Line l : r.tenants()) {
      Tags tags = Tags.of("tenant", l.tenantId().toString());
      e.add(MultiGauge.Row.of(tags, l.estimate().total().doubleValue()));
      d.add(MultiGauge.Row.of(tags, l.databaseBytes()));
      g.add(MultiGauge.Row.of(tags, l.databaseGrowthBytes()));
      q.add(MultiGauge.Row.of(tags, l.requests()));
      c.add(MultiGauge.Row.of(tags, l.connectionSeconds()));
      u.add(MultiGauge.Row.of(tags, l.uploadBytes()));
      b.add(MultiGauge.Row.of(tags, l.backupBytes()));
    }
    estimate.register(e, true);
    databaseBytes.register(d, true);
    growth.register(g, true);
    requests.register(q, true);
    connectionSeconds.register(c, true);
    uploadBytes.register(u, true);
    backupBytes.register(b, true);
  }

  @Override
  public void close() {
    refresher.shutdownNow();
  }
}
