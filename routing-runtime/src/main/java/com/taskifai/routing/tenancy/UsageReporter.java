package com.taskifai.routing.tenancy;

import com.taskifai.registry.TenantUsage;
import com.taskifai.routing.UsageProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Writes what this router served to the registry's {@code tenant_usage_daily}, every {@code
 * taskifai.usage.flush-interval} (30 s): per tenant, requests, connection time and sell-out upload
 * rows and bytes since the last write, as one batched upsert per tenant and day.
 *
 * <p>It adds nothing to the request path: it reads meters the router keeps anyway (the per-tenant
 * request timers, the HikariCP usage timer of each tenant pool, the upload counters) and sends the
 * difference to what it last wrote. A write that fails is retried with the next one (nothing is
 * lost while this router runs); a meter that went away and came back (a pool closed and reopened)
 * counts again from zero. Usage is booked on the UTC day of the write.
 */
@Component
public class UsageReporter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(UsageReporter.class);
  static final String POOL_PREFIX = "tenant-";

  private final MeterRegistry meters;
  private final TenantUsage usage;
  private final Clock clock;
  // The cumulative figures last written, per tenant: requests, connection ms, rows, bytes, then
  // the requests per latency bucket (TenantUsage.LATENCY_BOUNDS_MS and one over the last).
  private static final int FIGURES = 4 + TenantUsage.LATENCY_BOUNDS_MS.length + 1;
  private final Map<UUID, double[]> written = new HashMap<>();
  private final ScheduledExecutorService timer;

  @Autowired
  UsageReporter(MeterRegistry meters, TenantUsage usage, UsageProperties settings) {
    this(meters, usage, Clock.systemUTC(), settings.flushInterval());
  }

  UsageReporter(MeterRegistry meters, TenantUsage usage, Clock clock, Duration interval) {
    this.meters = meters;
    this.usage = usage;
    this.clock = clock;
    if (interval.isZero() || interval.isNegative()) {
      this.timer = null; // tests flush by hand
      return;
    }
    this.timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("usage-reporter"));
    long millis = interval.toMillis();
    timer.scheduleWithFixedDelay(this::flushQuietly, millis, millis, TimeUnit.MILLISECONDS);
  }

  private void flushQuietly() {
    try {
      flush();
    } catch (RuntimeException e) {
      log.warn("tenant usage not written (retried with the next write): {}", e.toString());
    }
  }

  /**
   * Writes the usage since the last write.
   *
   * @return how many tenant rows were written
   */
  public synchronized int flush() {
    Map<UUID, double[]> now = cumulative();
    LocalDate day = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    List<TenantUsage.Delta> deltas = new ArrayList<>();
    for (Map.Entry<UUID, double[]> e : now.entrySet()) {
      double[] before = written.getOrDefault(e.getKey(), new double[FIGURES]);
      long[] d = new long[FIGURES];
      boolean any = false;
      for (int i = 0; i < FIGURES; i++) {
        double current = e.getValue()[i];
        // A meter that restarted (a reopened pool) counts from zero again.
        double delta = current >= before[i] ? current - before[i] : current;
        d[i] = Math.round(delta);
        any |= d[i] > 0;
      }
      if (any) {
        deltas.add(
            new TenantUsage.Delta(
                e.getKey(),
                day,
                d[0],
                d[1],
                d[2],
                d[3],
                java.util.Arrays.copyOfRange(d, 4, FIGURES)));
      }
    }
    usage.add(deltas);
    written.clear();
    written.putAll(now);
    return deltas.size();
  }

  /** The router's cumulative figures per tenant, read from its meters. */
  private Map<UUID, double[]> cumulative() {
    Map<UUID, double[]> out = new HashMap<>();
    for (Meter m : meters.getMeters()) {
      String name = m.getId().getName();
      switch (name) {
        case RouterMetrics.REQUESTS -> {
          String tenant = m.getId().getTag("tenant");
          Timer requests = (Timer) m;
          add(out, tenant, 0, requests.count());
          // Cumulative bucket counts to requests per bucket; the rest is over the last bound.
          io.micrometer.core.instrument.distribution.HistogramSnapshot snapshot =
              requests.takeSnapshot();
          double below = 0;
          for (io.micrometer.core.instrument.distribution.CountAtBucket b :
              snapshot.histogramCounts()) {
            int index = bucketIndex(b.bucket(TimeUnit.MILLISECONDS));
            if (index >= 0) {
              add(out, tenant, 4 + index, b.count() - below);
              below = b.count();
            }
          }
          if (snapshot.histogramCounts().length > 0) {
            add(out, tenant, FIGURES - 1, snapshot.count() - below);
          }
        }
        case "hikaricp.connections.usage" -> {
          String pool = m.getId().getTag("pool");
          if (pool != null && pool.startsWith(POOL_PREFIX)) {
            add(
                out,
                pool.substring(POOL_PREFIX.length()),
                1,
                ((Timer) m).totalTime(TimeUnit.MILLISECONDS));
          }
        }
        case RouterMetrics.UPLOAD_ROWS ->
            add(out, m.getId().getTag("tenant"), 2, ((Counter) m).count());
        case RouterMetrics.UPLOAD_BYTES ->
            add(out, m.getId().getTag("tenant"), 3, ((Counter) m).count());
        default -> {
          // not a usage meter
        }
      }
    }
    return out;
  }

  private static int bucketIndex(double millis) {
    for (int i = 0; i < TenantUsage.LATENCY_BOUNDS_MS.length; i++) {
      if (Math.abs(TenantUsage.LATENCY_BOUNDS_MS[i] - millis) < 1e-6) {
        return i;
      }
    }
    return -1;
  }

  private static void add(Map<UUID, double[]> out, String tenant, int index, double value) {
    UUID id;
    try {
      id = tenant == null ? null : UUID.fromString(tenant);
    } catch (IllegalArgumentException notATenant) {
      id = null; // "none": requests no tenant was found for
    }
    if (id != null) {
      out.computeIfAbsent(id, k -> new double[FIGURES])[index] += value;
    }
  }

  @PreDestroy
  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
    flushQuietly();
  }
}
