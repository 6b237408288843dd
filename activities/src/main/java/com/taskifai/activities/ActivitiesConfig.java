package com.taskifai.activities;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Everything the activities need to know about their surroundings, read once per process from the
 * environment ({@link #fromEnvironment}) with the defaults of the embedded platform.
 *
 * @param baseDomain tenants live at {@code <subdomain>.<baseDomain>}
 * @param adminUrl where the admin API answers; the verification link points here
 * @param routerUrl where the routing runtime answers; its scheme and port go into the set-password
 *     link of the tenant's own subdomain
 * @param mailFrom the sender of every mail
 * @param smtpHost SMTP server host
 * @param smtpPort SMTP server port
 * @param dnsProvider which DNS provider configure_dns uses
 * @param route53HostedZoneId hosted zone of the base domain (route53 only)
 * @param route53Endpoint endpoint override of the Route 53 API (a fake in tests); null for AWS
 * @param dnsTarget the value of each tenant record: an IPv4/IPv6 address (A/AAAA) or a host name
 *     (CNAME)
 * @param dnsTtl TTL of each tenant record
 * @param dnsSyncTimeout how long configure_dns waits for Route 53 to report INSYNC
 * @param templateFastPath create tenant databases from a migrated template database
 * @param setPasswordTokenLifetime how long the welcome mail's set-password link works
 * @param verificationLinkLifetime how long the verification link works (the verification timeout)
 * @param defaultRegion region of a tenant whose request names none
 */
public record ActivitiesConfig(
    String baseDomain,
    String adminUrl,
    String routerUrl,
    String mailFrom,
    String smtpHost,
    int smtpPort,
    DnsProviderKind dnsProvider,
    String route53HostedZoneId,
    URI route53Endpoint,
    String dnsTarget,
    Duration dnsTtl,
    Duration dnsSyncTimeout,
    boolean templateFastPath,
    Duration setPasswordTokenLifetime,
    Duration verificationLinkLifetime,
    String defaultRegion) {

  /** The DNS providers configure_dns can use. */
  public enum DnsProviderKind {
    /** A row in {@code dns_records}; {@code *.localhost} resolves to loopback by itself. */
    LOCAL,
    /** Amazon Route 53 through the AWS SDK v2. */
    ROUTE53
  }

  public ActivitiesConfig {
    baseDomain = stripDots(baseDomain);
    adminUrl = stripSlash(adminUrl);
    routerUrl = stripSlash(routerUrl);
    if (smtpPort <= 0 || smtpPort > 65535) {
      throw new IllegalArgumentException("TASKIFAI_SMTP_PORT must be a port number");
    }
    if (dnsProvider == DnsProviderKind.ROUTE53
        && (route53HostedZoneId == null || route53HostedZoneId.isBlank())) {
      throw new IllegalArgumentException(
          "TASKIFAI_DNS_PROVIDER=route53 needs TASKIFAI_ROUTE53_HOSTED_ZONE_ID");
    }
    if (dnsTtl.isNegative() || dnsTtl.isZero()) {
      throw new IllegalArgumentException("TASKIFAI_DNS_TTL must be positive");
    }
  }

  /** The embedded platform's defaults. */
  public static ActivitiesConfig defaults() {
    return fromEnvironment(Map.of());
  }

  /** Reads the TASKIFAI_* keys; absent keys take the embedded platform's defaults. */
  public static ActivitiesConfig fromEnvironment(Map<String, String> env) {
    String provider = get(env, "TASKIFAI_DNS_PROVIDER", "local").strip();
    DnsProviderKind dns;
    try {
      dns = DnsProviderKind.valueOf(provider.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "TASKIFAI_DNS_PROVIDER must be 'local' or 'route53', not '" + provider + "'");
    }
    if (dns == DnsProviderKind.ROUTE53 && get(env, "TASKIFAI_DNS_TARGET", null) == null) {
      // The local default (loopback) would publish every tenant at 127.0.0.1.
      throw new IllegalArgumentException(
          "TASKIFAI_DNS_PROVIDER=route53 needs TASKIFAI_DNS_TARGET (the routers' address or host)");
    }
    String endpoint = get(env, "TASKIFAI_ROUTE53_ENDPOINT", "");
    return new ActivitiesConfig(
        get(env, "TASKIFAI_BASE_DOMAIN", "localhost"),
        get(env, "TASKIFAI_ADMIN_URL", "http://localhost:8080"),
        get(env, "TASKIFAI_ROUTER_URL", "http://localhost:8081"),
        get(env, "TASKIFAI_MAIL_FROM", "TaskifAI <no-reply@taskifai.localhost>"),
        get(env, "TASKIFAI_SMTP_HOST", "127.0.0.1"),
        Integer.parseInt(get(env, "TASKIFAI_SMTP_PORT", "3025").strip()),
        dns,
        get(env, "TASKIFAI_ROUTE53_HOSTED_ZONE_ID", null),
        endpoint.isBlank() ? null : URI.create(endpoint.strip()),
        get(env, "TASKIFAI_DNS_TARGET", "127.0.0.1"),
        seconds(get(env, "TASKIFAI_DNS_TTL", "300")),
        Duration.parse(get(env, "TASKIFAI_DNS_SYNC_TIMEOUT", "PT2M")),
        Boolean.parseBoolean(get(env, "TASKIFAI_TEMPLATE_FAST_PATH", "true").strip()),
        Duration.parse(get(env, "TASKIFAI_SET_PASSWORD_TOKEN_LIFETIME", "PT72H")),
        Duration.parse(get(env, "TASKIFAI_VERIFICATION_TIMEOUT", "P7D")),
        get(env, "TASKIFAI_DEFAULT_REGION", "local"));
  }

  /** This configuration with the template fast path on or off. */
  public ActivitiesConfig withTemplateFastPath(boolean on) {
    return new ActivitiesConfig(
        baseDomain,
        adminUrl,
        routerUrl,
        mailFrom,
        smtpHost,
        smtpPort,
        dnsProvider,
        route53HostedZoneId,
        route53Endpoint,
        dnsTarget,
        dnsTtl,
        dnsSyncTimeout,
        on,
        setPasswordTokenLifetime,
        verificationLinkLifetime,
        defaultRegion);
  }

  /** This configuration sending mail through another SMTP server. */
  public ActivitiesConfig withSmtp(String host, int port) {
    return new ActivitiesConfig(
        baseDomain,
        adminUrl,
        routerUrl,
        mailFrom,
        host,
        port,
        dnsProvider,
        route53HostedZoneId,
        route53Endpoint,
        dnsTarget,
        dnsTtl,
        dnsSyncTimeout,
        templateFastPath,
        setPasswordTokenLifetime,
        verificationLinkLifetime,
        defaultRegion);
  }

  /** This configuration with Route 53 as DNS provider. */
  public ActivitiesConfig withRoute53(String hostedZoneId, URI endpoint, String target) {
    return new ActivitiesConfig(
        baseDomain,
        adminUrl,
        routerUrl,
        mailFrom,
        smtpHost,
        smtpPort,
        DnsProviderKind.ROUTE53,
        hostedZoneId,
        endpoint,
        target,
        dnsTtl,
        dnsSyncTimeout,
        templateFastPath,
        setPasswordTokenLifetime,
        verificationLinkLifetime,
        defaultRegion);
  }

  /** The fully qualified name of a tenant, such as {@code acme.localhost}. */
  public String tenantHost(String subdomain) {
    return subdomain + "." + baseDomain;
  }

  /**
   * The set-password page on the tenant's own subdomain: the routing runtime's scheme and port, the
   * tenant's host name.
   */
  public String setPasswordUrl(String subdomain, String token) {
    URI router = URI.create(routerUrl);
    String scheme = router.getScheme() == null ? "http" : router.getScheme();
    String port = router.getPort() < 0 ? "" : ":" + router.getPort();
    return scheme + "://" + tenantHost(subdomain) + port + "/set-password?token=" + token;
  }

  /** The verification link of the admin API. */
  public String verificationUrl(String token) {
    return adminUrl + "/verify-email?token=" + token;
  }

  private static String get(Map<String, String> env, String key, String fallback) {
    String value = env.get(key);
    return value == null || value.isBlank() ? fallback : value;
  }

  private static Duration seconds(String value) {
    String v = value.strip();
    return v.startsWith("P") || v.startsWith("p")
        ? Duration.parse(v)
        : Duration.ofSeconds(Long.parseLong(v));
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  private static String stripDots(String domain) {
    String d = domain.strip().toLowerCase(Locale.ROOT);
    while (d.endsWith(".")) {
      d = d.substring(0, d.length() - 1);
    }
    return d;
  }
}
