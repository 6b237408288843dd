package com.taskifai.routing;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the router reports tenant usage to the registry.
 *
 * @param flushInterval how often the router writes its per-tenant usage (requests, connection time,
 *     uploads) to the registry
 */
@ConfigurationProperties("taskifai.usage")
public record UsageProperties(@DefaultValue("PT30S") Duration flushInterval) {

  public UsageProperties {
    if (flushInterval.isZero() || flushInterval.isNegative()) {
      throw new IllegalArgumentException(
          "taskifai.usage.flush-interval (TASKIFAI_USAGE_FLUSH_INTERVAL) must be positive, not "
              + flushInterval);
    }
  }
}
