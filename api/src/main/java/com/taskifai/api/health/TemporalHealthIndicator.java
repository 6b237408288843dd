package com.taskifai.api.health;

import com.taskifai.api.ApiSettings;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * The {@code temporal} health component: asks the frontend for its system info under a short
 * deadline. It also remembers what the API's own calls found, so a page can skip Temporal for a
 * moment after a call found it unreachable instead of waiting for the deadline again. It is part of
 * the overall health but of neither probe group: the API stays live and ready while Temporal is
 * down, since reads from the registry keep working.
 */
@Component
public class TemporalHealthIndicator implements HealthIndicator {
  /** How long a failed call keeps the API from asking Temporal for optional answers. */
  static final Duration SKIP_AFTER_FAILURE = Duration.ofSeconds(5);

  private final WorkflowServiceStubs stubs;
  private final Duration probeTimeout;
  private final Clock clock;
  private volatile Instant lastFailure;
  private volatile String lastError;

  public TemporalHealthIndicator(
      WorkflowServiceStubs stubs, ApiSettings settings, Clock clock, MeterRegistry meters) {
    this.stubs = stubs;
    this.probeTimeout = min(settings.temporalCallTimeout(), Duration.ofSeconds(2));
    this.clock = clock;
    Gauge.builder("taskifai.dependency.up", this, h -> h.lastFailure == null ? 1 : 0)
        .tag("dependency", "temporal")
        .description("1 while the last call to the dependency succeeded, 0 after it failed")
        .register(meters);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) < 0 ? a : b;
  }

  @Override
  public Health health() {
    try {
      stubs
          .blockingStub()
          .withDeadlineAfter(probeTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
      answered();
      return Health.up().build();
    } catch (StatusRuntimeException e) {
      unreachable(e);
      return Health.down().withDetail("error", e.getStatus().getCode().name()).build();
    } catch (RuntimeException e) {
      unreachable(e);
      return Health.down().withDetail("error", e.getClass().getSimpleName()).build();
    }
  }

  /** A call reached the server (whatever it answered). */
  public void answered() {
    lastFailure = null;
    lastError = null;
  }

  /** A call found the server unreachable or too slow. */
  public void unreachable(Throwable e) {
    lastFailure = clock.instant();
    lastError =
        e instanceof StatusRuntimeException s
            ? s.getStatus().getCode().name()
            : e.getClass().getSimpleName();
  }

  /** True for a few seconds after a call found Temporal unreachable (and none reached it since). */
  public boolean recentlyUnreachable() {
    Instant failed = lastFailure;
    return failed != null && failed.plus(SKIP_AFTER_FAILURE).isAfter(clock.instant());
  }

  /** The kind of the last failure, or null while the last call succeeded. */
  public String lastError() {
    return lastError;
  }
}
