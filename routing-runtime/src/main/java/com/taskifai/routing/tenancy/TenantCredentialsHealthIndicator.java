package com.taskifai.routing.tenancy;

import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Health component {@code tenantCredentials}: the tenants this router does not serve because their
 * stored database credentials cannot be decrypted or are refused by their server. It stays UP (one
 * tenant's credentials must not take the router out of service for all); the details, shown by the
 * health group {@code /actuator/health/tenants}, name each failing tenant, why and since when.
 */
@Component
public class TenantCredentialsHealthIndicator implements HealthIndicator {
  private final TenantPools pools;

  public TenantCredentialsHealthIndicator(TenantPools pools) {
    this.pools = pools;
  }

  @Override
  public Health health() {
    Map<String, Object> tenants = new TreeMap<>();
    pools
        .credentialFailures()
        .forEach(
            (id, f) ->
                tenants.put(
                    id.toString(),
                    Map.of(
                        "reason", f.reason(),
                        "since", f.since().toString(),
                        "failures", f.failures())));
    return Health.up().withDetail("failing", tenants.size()).withDetail("tenants", tenants).build();
  }
}
