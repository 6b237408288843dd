package com.taskifai.routing.tenancy;

import com.zaxxer.hikari.metrics.IMetricsTracker;
import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import com.zaxxer.hikari.metrics.PoolStats;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * HikariCP's Micrometer metrics for the tenant pools, where a tenant's pool may be closed and
 * opened again under the same name. A retired pool is closed some seconds after its successor
 * opened; with plain HikariCP metrics the successor's gauges would be ignored as already
 * registered, and the retired pool's close would then remove them, leaving the tenant without pool
 * metrics. Here a new pool first removes the meters of the pool it replaces, and the replaced
 * pool's close then removes nothing (its meters are gone, and the ids now belong to its successor).
 */
final class TenantPoolMetrics implements MetricsTrackerFactory {
  private final MeterRegistry registry;
  private final MicrometerMetricsTrackerFactory micrometer;
  private final ConcurrentHashMap<String, IMetricsTracker> current = new ConcurrentHashMap<>();

  TenantPoolMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.micrometer = new MicrometerMetricsTrackerFactory(registry);
  }

  @Override
  public IMetricsTracker create(String poolName, PoolStats poolStats) {
    Tracker[] made = new Tracker[1];
    current.compute(
        poolName,
        (name, previous) -> {
          if (previous != null) {
            // The replaced pool is still open (retiring): its meters go now.
            removeMeters(name);
          }
          made[0] = new Tracker(name, micrometer.create(name, poolStats));
          return made[0];
        });
    return made[0];
  }

  private void removeMeters(String poolName) {
    List<Meter> of = new ArrayList<>();
    for (Meter m : registry.getMeters()) {
      if (m.getId().getName().startsWith("hikaricp.")
          && poolName.equals(m.getId().getTag("pool"))) {
        of.add(m);
      }
    }
    of.forEach(registry::remove);
  }

  /** Delegates to HikariCP's tracker; its close removes the meters only if no successor opened. */
  private final class Tracker implements IMetricsTracker {
    private final String poolName;
    private final IMetricsTracker delegate;

    Tracker(String poolName, IMetricsTracker delegate) {
      this.poolName = poolName;
      this.delegate = delegate;
    }

    @Override
    public void recordConnectionCreatedMillis(long millis) {
      delegate.recordConnectionCreatedMillis(millis);
    }

    @Override
    public void recordConnectionAcquiredNanos(long nanos) {
      delegate.recordConnectionAcquiredNanos(nanos);
    }

    @Override
    public void recordConnectionUsageMillis(long millis) {
      delegate.recordConnectionUsageMillis(millis);
    }

    @Override
    public void recordConnectionTimeout() {
      delegate.recordConnectionTimeout();
    }

    @Override
    public void close() {
      current.computeIfPresent(
          poolName,
          (name, tracker) -> {
            if (tracker != this) {
              return tracker;
            }
            delegate.close();
            return null;
          });
    }
  }
}
