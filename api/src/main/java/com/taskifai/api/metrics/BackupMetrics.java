package com.taskifai.api.metrics;

import com.taskifai.api.FleetSettings;
import com.taskifai.registry.Backups;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Backup metrics per tenant, read from the registry every {@link
 * FleetSettings#backupMetricsRefresh()} (30 s by default): the age of the newest good backup
 * ({@code taskifai_backup_newest_good_age_seconds}; a tenant without one counts from its
 * activation), and that backup's duration and size. The alert "no good backup for 26 h" is {@code
 * taskifai_backup_newest_good_age_seconds > 93600}.
 */
@Component
public class BackupMetrics implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BackupMetrics.class);

  private final Backups backups;
  private final MultiGauge age;
  private final MultiGauge duration;
  private final MultiGauge size;
  private final ScheduledExecutorService refresher =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "backup-metrics");
            t.setDaemon(true);
            return t;
          });

  BackupMetrics(MeterRegistry registry, Backups backups, FleetSettings fleet) {
    this.backups = backups;
    this.age =
        MultiGauge.builder("taskifai.backup.newest_good_age")
            .description("Seconds since the tenant's newest good backup (or its activation)")
            .baseUnit("seconds")
            .register(registry);
    this.duration =
        MultiGauge.builder("taskifai.backup.duration")
            .description("How long the tenant's newest good backup took")
            .baseUnit("seconds")
            .register(registry);
    this.size =
        MultiGauge.builder("taskifai.backup.size")
            .description("Stored (encrypted) size of the tenant's newest good backup")
            .baseUnit("bytes")
            .register(registry);
    long every = Math.max(1_000, fleet.backupMetricsRefresh().toMillis());
    refresher.scheduleWithFixedDelay(this::refresh, 0, every, TimeUnit.MILLISECONDS);
  }

  /** Reads the registry and replaces every row (public for tests). */
  public void refresh() {
    try {
      Instant now = Instant.now();
      List<MultiGauge.Row<?>> ages = new ArrayList<>();
      List<MultiGauge.Row<?>> durations = new ArrayList<>();
      List<MultiGauge.Row<?>> sizes = new ArrayList<>();
      for (Backups.Freshness f : backups.freshness()) {
        Tags tags = Tags.of("tenant_id", f.tenantId().toString());
        ages.add(MultiGauge.Row.of(tags, Duration.between(f.since(), now).toSeconds()));
        if (f.durationSeconds() != null) {
          durations.add(MultiGauge.Row.of(tags, f.durationSeconds()));
        }
        if (f.sizeBytes() != null) {
          sizes.add(MultiGauge.Row.of(tags, f.sizeBytes()));
        }
      }
      age.register(ages, true);
      duration.register(durations, true);
      size.register(sizes, true);
    } catch (RuntimeException e) {
      log.debug("backup metrics unavailable: {}", e.getClass().getSimpleName());
    }
  }

  @Override
  public void close() {
    refresher.shutdownNow();
  }
}
