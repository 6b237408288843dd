package com.taskifai.api;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Admin sign-in limits.
 *
 * @param maxFailures failed sign-ins of an account before it backs off
 * @param backoff the first back-off; each further failure doubles it
 * @param lockout the longest back-off
 * @param rate the per-address rate limit
 */
@ConfigurationProperties("taskifai.admin-login")
public record AdminLoginSettings(
    @DefaultValue("5") int maxFailures,
    @DefaultValue("PT30S") Duration backoff,
    @DefaultValue("PT15M") Duration lockout,
    @DefaultValue Rate rate) {

  /**
   * @param perAddress sign-in attempts per minute from one address
   */
  public record Rate(@DefaultValue("10") long perAddress) {}

  /**
   * Failed sign-ins kept for the back-off and the audit.
   *
   * @param retention how long a failed sign-in is kept
   * @param maxRows at most this many are kept
   */
  @ConfigurationProperties("taskifai.failed-logins")
  public record FailedLogins(
      @DefaultValue("P30D") Duration retention, @DefaultValue("100000") long maxRows) {}
}
