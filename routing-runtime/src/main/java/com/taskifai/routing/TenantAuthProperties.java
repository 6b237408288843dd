package com.taskifai.routing;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Tenant sign-in: tokens, back-off and rate limits.
 *
 * @param tenantJwtSecret HS256 secret of tenant tokens (at least 32 bytes); empty for a random one
 *     per process
 * @param tenantTokenTtl lifetime of tenant tokens
 * @param login the per-account back-off
 * @param auth the sign-in rate limits
 */
@ConfigurationProperties("taskifai")
public record TenantAuthProperties(
    @DefaultValue("") String tenantJwtSecret,
    @DefaultValue("PT1H") Duration tenantTokenTtl,
    @DefaultValue Login login,
    @DefaultValue Auth auth) {

  /**
   * @param maxFailures failed sign-ins of a user before it backs off
   * @param backoff the first back-off; each further failure doubles it
   * @param lockout the longest back-off
   */
  public record Login(
      @DefaultValue("5") int maxFailures,
      @DefaultValue("PT30S") Duration backoff,
      @DefaultValue("PT15M") Duration lockout) {}

  /**
   * @param rate sign-in attempts per minute
   */
  public record Auth(@DefaultValue Rate rate) {}

  /**
   * @param perAddress sign-in attempts per minute from one address
   * @param perTenant failed sign-ins per minute on one tenant; when spent, each address that fails
   *     waits a minute while addresses that have not failed sign in
   */
  public record Rate(@DefaultValue("30") long perAddress, @DefaultValue("300") long perTenant) {}

  @Override
  public String toString() {
    return "TenantAuthProperties[ttl=" + tenantTokenTtl + "]";
  }
}
