package com.taskifai.api.metrics;

import com.taskifai.api.FleetSettings;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.ServerHealth;
import com.taskifai.registry.crypto.CredentialCipher;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Continuous WAL archiving per database server, read from each server's {@code pg_stat_archiver}
 * every minute ({@code taskifai.archiving-metrics-refresh}): whether it is on ({@code
 * taskifai_pitr_archiving_enabled}), the age of the newest archived segment ({@code
 * taskifai_pitr_archive_age_seconds}), the segments waiting ({@code
 * taskifai_pitr_archive_pending_segments}) and the failed attempts ({@code
 * taskifai_pitr_archive_failures}). The alert "archiving stalled for 5 minutes" is segments waiting
 * while the newest archived one is older than 300 s (infra/prometheus/alerts.yaml).
 *
 * <p>Refreshed with them: the WAL each replication slot holds back ({@code
 * taskifai_replication_slot_retained_bytes{server_id, slot}}), from {@code pg_replication_slots}. A
 * slot nobody reads (an online move's or promotion's left behind, a gone standby's) keeps every WAL
 * segment since its position; the alert fires past 1 GiB for 10 minutes.
 */
@Component
public class ArchivingMetrics implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ArchivingMetrics.class);

  private final ServerHealth health;
  private final MultiGauge enabled;
  private final MultiGauge age;
  private final MultiGauge pending;
  private final MultiGauge failures;
  private final MultiGauge slotRetained;
  private final ScheduledExecutorService refresher =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "archiving-metrics");
            t.setDaemon(true);
            return t;
          });

  ArchivingMetrics(
      MeterRegistry registry, DataSource dataSource, CredentialCipher cipher, FleetSettings fleet) {
    this.health =
        new ServerHealth(new DatabaseServers(dataSource), cipher, fleet.serverHealthTimeout());
    this.enabled =
        MultiGauge.builder("taskifai.pitr.archiving_enabled")
            .description("1 when the server archives its WAL (point-in-time recovery), else 0")
            .register(registry);
    this.age =
        MultiGauge.builder("taskifai.pitr.archive_age")
            .description("Seconds since the server archived its newest WAL segment")
            .baseUnit("seconds")
            .register(registry);
    this.pending =
        MultiGauge.builder("taskifai.pitr.archive_pending")
            .description("Finished WAL segments waiting to be archived")
            .baseUnit("segments")
            .register(registry);
    this.failures =
        MultiGauge.builder("taskifai.pitr.archive_failures")
            .description("Failed archive attempts since the server's statistics were reset")
            .register(registry);
    this.slotRetained =
        MultiGauge.builder("taskifai.replication.slot.retained.bytes")
            .description("Bytes of WAL the replication slot holds back on its server")
            .register(registry);
    long every = Math.max(1_000, fleet.archivingMetricsRefresh().toMillis());
    refresher.scheduleWithFixedDelay(this::refresh, 0, every, TimeUnit.MILLISECONDS);
  }

  /** Asks every server and replaces every row (public for tests). */
  public void refresh() {
    try {
      List<MultiGauge.Row<?>> enabledRows = new ArrayList<>();
      List<MultiGauge.Row<?>> ageRows = new ArrayList<>();
      List<MultiGauge.Row<?>> pendingRows = new ArrayList<>();
      List<MultiGauge.Row<?>> failureRows = new ArrayList<>();
      List<MultiGauge.Row<?>> slotRows = new ArrayList<>();
      for (ServerHealth.Health h : health.all()) {
        if (!h.reachable()) {
          continue;
        }
        Tags tags = Tags.of("server_id", h.server().id());
        health
            .retainedWal(h.server())
            .forEach(
                (slot, bytes) -> slotRows.add(MultiGauge.Row.of(tags.and("slot", slot), bytes)));
        ServerHealth.Archiving a = h.archiving();
        enabledRows.add(MultiGauge.Row.of(tags, a.enabled() ? 1 : 0));
        if (!a.enabled()) {
          continue;
        }
        if (a.ageSeconds() != null) {
          ageRows.add(MultiGauge.Row.of(tags, a.ageSeconds()));
        }
        if (a.pendingSegments() != null) {
          pendingRows.add(MultiGauge.Row.of(tags, a.pendingSegments()));
        }
        failureRows.add(MultiGauge.Row.of(tags, a.failures()));
      }
      enabled.register(enabledRows, true);
      age.register(ageRows, true);
      pending.register(pendingRows, true);
      failures.register(failureRows, true);
      slotRetained.register(slotRows, true);
    } catch (RuntimeException e) {
      log.debug("archiving metrics unavailable: {}", e.getClass().getSimpleName());
    }
  }

  @Override
  public void close() {
    refresher.shutdownNow();
  }
}
