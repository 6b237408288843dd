package com.taskifai.routing;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The routing runtime's tenant connection pools.
 *
 * @param maxPerTenant most connections of one tenant's pool
 * @param globalCap most connections of all tenant pools together
 * @param idleTimeout how long an idle connection is kept
 * @param eviction how long an idle tenant pool is kept
 * @param connectionTimeout how long a request waits for a connection
 * @param releaseGrace how long a closing pool lets running requests finish
 * @param threadKeepAlive how long a tenant pool's connection-opening and -closing threads wait for
 *     more work before they end
 */
@ConfigurationProperties("taskifai.pool")
public record PoolProperties(
    @DefaultValue("10") int maxPerTenant,
    @DefaultValue("80") int globalCap,
    @DefaultValue("PT5M") Duration idleTimeout,
    @DefaultValue("PT5M") Duration eviction,
    @DefaultValue("PT2S") Duration connectionTimeout,
    @DefaultValue("PT0S") Duration releaseGrace,
    @DefaultValue("PT30S") Duration threadKeepAlive) {

  public PoolProperties {
    if (maxPerTenant < 1 || globalCap < maxPerTenant) {
      throw new IllegalArgumentException(
          "taskifai.pool.max-per-tenant must be at least 1 and at most taskifai.pool.global-cap");
    }
    if (threadKeepAlive.toMillis() < 1) {
      throw new IllegalArgumentException("taskifai.pool.thread-keep-alive must be at least 1 ms");
    }
  }
}
