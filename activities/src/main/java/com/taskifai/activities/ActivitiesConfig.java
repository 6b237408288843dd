package com.taskifai.activities;

import com.taskifai.activities.mail.SmtpSettings;
import com.taskifai.registry.settings.PlatformSettings;
import com.taskifai.registry.settings.Settings;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Everything the activities need to know about their surroundings: the settings records ({@link
 * PlatformSettings}, {@link SmtpSettings}, {@link DnsSettings}, {@link ProvisioningSettings}) bound
 * once per process ({@link #fromEnvironment}). The accessors below keep the callers short.
 */
public record ActivitiesConfig(
    PlatformSettings platform,
    SmtpSettings smtp,
    DnsSettings dns,
    DnsSettings.Route53 route53,
    ProvisioningSettings provisioning) {

  /** The DNS providers configure_dns can use. */
  public enum DnsProviderKind {
    /** A row in {@code dns_records}; {@code *.localhost} resolves to loopback by itself. */
    LOCAL,
    /** Amazon Route 53 through the AWS SDK v2. */
    ROUTE53
  }

  public ActivitiesConfig {
    if (dns.provider() == DnsProviderKind.ROUTE53
        && (route53.hostedZoneId() == null || route53.hostedZoneId().isBlank())) {
      throw new IllegalArgumentException(
          "TASKIFAI_DNS_PROVIDER=route53 needs TASKIFAI_ROUTE53_HOSTED_ZONE_ID");
    }
  }

  /** The embedded platform's defaults. */
  public static ActivitiesConfig defaults() {
    return fromEnvironment(Map.of());
  }

  /** Binds the TASKIFAI_* keys of {@code env}; absent keys take the records' defaults. */
  public static ActivitiesConfig fromEnvironment(Map<String, String> env) {
    return from(Settings.of(env));
  }

  /** The records as {@code settings} binds them. */
  public static ActivitiesConfig from(Settings settings) {
    return new ActivitiesConfig(
        settings.bind(PlatformSettings.class),
        settings.bind(SmtpSettings.class),
        settings.bind(DnsSettings.class),
        settings.bind(DnsSettings.Route53.class),
        settings.bind(ProvisioningSettings.class));
  }

  /** This configuration with the template fast path on or off. */
  public ActivitiesConfig withTemplateFastPath(boolean on) {
    return new ActivitiesConfig(
        platform, smtp, dns, route53, provisioning.withTemplateFastPath(on));
  }

  /** This configuration with database steps waiting {@code timeout} for an admin session. */
  public ActivitiesConfig withAdminConnectionTimeout(Duration timeout) {
    return new ActivitiesConfig(
        platform, smtp, dns, route53, provisioning.withAdminConnectionTimeout(timeout));
  }

  /** This configuration sending mail through another SMTP server (plain, no login). */
  public ActivitiesConfig withSmtp(String host, int port) {
    return new ActivitiesConfig(
        platform, SmtpSettings.plain(host, port), dns, route53, provisioning);
  }

  /** This configuration with Route 53 as DNS provider. */
  public ActivitiesConfig withRoute53(String hostedZoneId, URI endpoint, String target) {
    return new ActivitiesConfig(
        platform,
        smtp,
        new DnsSettings(DnsProviderKind.ROUTE53, target, dns.ttl(), dns.syncTimeout()),
        new DnsSettings.Route53(hostedZoneId, endpoint),
        provisioning);
  }

  /** Tenants live at {@code <subdomain>.<baseDomain>}. */
  public String baseDomain() {
    return stripDots(platform.baseDomain());
  }

  public String adminUrl() {
    return platform.adminUrl();
  }

  public String routerUrl() {
    return platform.routerUrl();
  }

  public String mailFrom() {
    return provisioning.mailFrom();
  }

  public String smtpHost() {
    return smtp.host();
  }

  public int smtpPort() {
    return smtp.port();
  }

  public DnsProviderKind dnsProvider() {
    return dns.provider();
  }

  public String route53HostedZoneId() {
    return route53.hostedZoneId();
  }

  /** Endpoint override of the Route 53 API; null for AWS. */
  public URI route53Endpoint() {
    return route53.endpoint();
  }

  public String dnsTarget() {
    return dns.target();
  }

  public Duration dnsTtl() {
    return dns.ttl();
  }

  public Duration dnsSyncTimeout() {
    return dns.syncTimeout();
  }

  public boolean templateFastPath() {
    return provisioning.templateFastPath();
  }

  public Duration adminConnectionTimeout() {
    return provisioning.adminConnectionTimeout();
  }

  public Duration setPasswordTokenLifetime() {
    return provisioning.setPasswordTokenLifetime();
  }

  public String defaultRegion() {
    return provisioning.defaultRegion();
  }

  /** The fully qualified name of a tenant, such as {@code acme.localhost}. */
  public String tenantHost(String subdomain) {
    return subdomain + "." + baseDomain();
  }

  /**
   * The set-password page on the tenant's own subdomain: the routing runtime's scheme and port, the
   * tenant's host name.
   */
  public String setPasswordUrl(String subdomain, String token) {
    URI router = URI.create(routerUrl());
    String scheme = router.getScheme() == null ? "http" : router.getScheme();
    String port = router.getPort() < 0 ? "" : ":" + router.getPort();
    return scheme + "://" + tenantHost(subdomain) + port + "/set-password?token=" + token;
  }

  /** The verification link of the admin API. */
  public String verificationUrl(String token) {
    return adminUrl() + "/verify-email?token=" + token;
  }

  private static String stripDots(String domain) {
    String d = domain.strip().toLowerCase(Locale.ROOT);
    while (d.endsWith(".")) {
      d = d.substring(0, d.length() - 1);
    }
    return d;
  }
}
