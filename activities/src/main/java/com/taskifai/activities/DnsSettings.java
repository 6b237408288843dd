package com.taskifai.activities;

import com.taskifai.activities.ActivitiesConfig.DnsProviderKind;
import java.net.URI;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;

/**
 * How configure_dns publishes each tenant's name.
 *
 * @param provider {@code local} (a row in dns_records) or {@code route53}
 * @param target the value of each tenant record: an IPv4/IPv6 address (A/AAAA) or a host name
 *     (CNAME); empty means 127.0.0.1 with the local provider and is refused with route53
 * @param ttl TTL of each tenant record (seconds, or an ISO-8601 duration)
 * @param syncTimeout how long configure_dns waits for Route 53 to report INSYNC
 * @param route53 the Route 53 hosted zone
 */
@ConfigurationProperties("taskifai.dns")
public record DnsSettings(
    @DefaultValue("local") DnsProviderKind provider,
    @DefaultValue("") String target,
    @DefaultValue("300") @DurationUnit(ChronoUnit.SECONDS) Duration ttl,
    @DefaultValue("PT2M") Duration syncTimeout) {

  public DnsSettings {
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("TASKIFAI_DNS_TTL must be positive");
    }
    if (provider == DnsProviderKind.ROUTE53 && (target == null || target.isBlank())) {
      // The local default (loopback) would publish every tenant at 127.0.0.1.
      throw new IllegalArgumentException(
          "TASKIFAI_DNS_PROVIDER=route53 needs TASKIFAI_DNS_TARGET (the routers' address or host)");
    }
    target = target == null || target.isBlank() ? "127.0.0.1" : target.strip();
  }

  /**
   * The Route 53 hosted zone of the base domain.
   *
   * @param hostedZoneId hosted zone of the base domain (route53 only)
   * @param endpoint endpoint override of the Route 53 API (a fake in tests); empty for AWS
   */
  @ConfigurationProperties("taskifai.route53")
  public record Route53(String hostedZoneId, URI endpoint) {}
}
