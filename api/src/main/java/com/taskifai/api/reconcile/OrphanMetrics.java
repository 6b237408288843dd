package com.taskifai.api.reconcile;

import com.taskifai.registry.ReconcileReports;
import com.taskifai.workflows.ports.Orphan;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * {@code taskifai.orphans{kind=…}}: the orphans of each kind in the reconciler's newest report
 * (zero before the first run). Alert on it being above zero.
 */
@Component
class OrphanMetrics {
  private static final Logger log = LoggerFactory.getLogger(OrphanMetrics.class);
  private static final long CACHE_MILLIS = 5_000;

  private final ReconcileReports reports;
  private Map<String, Integer> counts = Map.of();
  private long countsAt;

  OrphanMetrics(MeterRegistry registry, ReconcileReports reports) {
    this.reports = reports;
    for (String kind : Orphan.KINDS) {
      Gauge.builder("taskifai.orphans", this, m -> m.countOf(kind))
          .description("Orphans by kind in the fleet reconciler's newest report")
          .tag("kind", kind)
          .register(registry);
    }
  }

  synchronized double countOf(String kind) {
    long now = System.currentTimeMillis();
    if (now - countsAt > CACHE_MILLIS) {
      try {
        counts = reports.latest().map(ReconcileReports.Report::countByKind).orElse(Map.of());
      } catch (RuntimeException e) {
        log.debug("orphan counts unavailable: {}", e.getClass().getSimpleName());
      }
      countsAt = now;
    }
    return counts.getOrDefault(kind, 0);
  }
}
