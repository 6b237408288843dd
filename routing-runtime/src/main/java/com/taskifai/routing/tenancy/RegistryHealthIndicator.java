package com.taskifai.routing.tenancy;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * The {@code registry} health component: whether the platform database answers. It is part of the
 * overall health but not of liveness, since the router keeps serving cached tenants without it.
 */
@Component
public class RegistryHealthIndicator implements HealthIndicator {
  private final DataSource platform;
  private final AtomicInteger up = new AtomicInteger(1);

  public RegistryHealthIndicator(DataSource platformDataSource, MeterRegistry meters) {
    this.platform = platformDataSource;
    Gauge.builder("taskifai.dependency.up", up, AtomicInteger::get)
        .tag("dependency", "registry")
        .description("1 while the last check of the dependency succeeded, 0 after it failed")
        .register(meters);
  }

  @Override
  public Health health() {
    try (Connection c = platform.getConnection()) {
      if (c.isValid(1)) {
        up.set(1);
        return Health.up().build();
      }
      up.set(0);
      return Health.down().withDetail("error", "connection not valid").build();
    } catch (SQLException | RuntimeException e) {
      up.set(0);
      return Health.down().withDetail("error", e.getClass().getSimpleName()).build();
    }
  }
}
