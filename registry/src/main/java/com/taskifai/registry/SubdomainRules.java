package com.taskifai.registry;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which subdomains a tenant may have, and how a request's Host header maps to one. The base domain
 * is configuration: {@code localhost} in dev, {@code taskifai.com} in production.
 */
public final class SubdomainRules {
  /** Names the platform keeps for itself; no tenant may take them. */
  public static final Set<String> RESERVED =
      Set.of(
          "www",
          "api",
          "admin",
          "app",
          "staging",
          "mail",
          "status",
          "docs",
          "smtp",
          "imap",
          "pop",
          "pop3",
          "ftp",
          "sftp",
          "ssh",
          "vpn",
          "ns1",
          "ns2",
          "mx",
          "webmail",
          "autodiscover",
          "autoconfig",
          "help",
          "support",
          "blog",
          "cdn",
          "static",
          "assets",
          "media",
          "auth",
          "login",
          "logout",
          "signup",
          "sso",
          "oauth",
          "id",
          "account",
          "accounts",
          "billing",
          "portal",
          "dashboard",
          "console",
          "platform",
          "internal",
          "system",
          "root",
          "localhost",
          "temporal",
          "metrics",
          "grafana",
          "prometheus",
          "monitoring",
          "health",
          "dev",
          "test",
          "sandbox",
          "production",
          "prod",
          "preview",
          "beta",
          "secure",
          "security",
          "abuse",
          "postmaster",
          "hostmaster",
          "webmaster",
          "noreply",
          "no-reply",
          "taskifai");

  public static final int MIN_LENGTH = 3;
  public static final int MAX_LENGTH = 50;
  private static final int MAX_HOST_LENGTH = 253;
  private static final Pattern ALLOWED = Pattern.compile("^[a-z0-9-]+$");
  private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");
  private static final Pattern IPV4 = Pattern.compile("^[0-9.]+$");

  private final String baseDomain;

  /** Rules for tenants under {@code baseDomain}, such as {@code taskifai.com}. */
  public SubdomainRules(String baseDomain) {
    String d = baseDomain.strip().toLowerCase(Locale.ROOT);
    if (d.endsWith(".")) {
      d = d.substring(0, d.length() - 1);
    }
    if (d.isEmpty() || d.startsWith(".")) {
      throw new IllegalArgumentException("base domain must be a host name such as taskifai.com");
    }
    this.baseDomain = d;
  }

  public String baseDomain() {
    return baseDomain;
  }

  /**
   * The single label in front of the base domain in a Host header value, lower-cased, or empty when
   * the host is missing, an IP literal, outside the base domain, the base domain itself, more than
   * one label deep, or carries a malformed port. The label is not validated: see {@link #problem}.
   */
  public Optional<String> extract(String host) {
    if (host == null) {
      return Optional.empty();
    }
    String h = host.strip();
    if (h.isEmpty() || h.length() > MAX_HOST_LENGTH + 6 || h.startsWith("[")) {
      return Optional.empty(); // empty, absurdly long, or a bracketed IPv6 literal
    }
    int colon = h.indexOf(':');
    if (colon >= 0) {
      if (h.indexOf(':', colon + 1) >= 0 || !PORT.matcher(h.substring(colon + 1)).matches()) {
        return Optional.empty(); // bare IPv6 literal or a port that is not a number
      }
      h = h.substring(0, colon);
    }
    h = h.toLowerCase(Locale.ROOT);
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    if (h.length() > MAX_HOST_LENGTH || IPV4.matcher(h).matches()) {
      return Optional.empty();
    }
    String suffix = "." + baseDomain;
    if (!h.endsWith(suffix)) {
      return Optional.empty();
    }
    String label = h.substring(0, h.length() - suffix.length());
    if (label.isEmpty() || label.contains(".")) {
      return Optional.empty();
    }
    return Optional.of(label);
  }

  /** The subdomain of a Host header value when it is present and valid. */
  public Optional<String> subdomainOf(String host) {
    return extract(host).filter(this::isValid);
  }

  /** True when a tenant may have this subdomain. */
  public boolean isValid(String subdomain) {
    return problem(subdomain).isEmpty();
  }

  /**
   * What is wrong with a requested subdomain, in words that say how to fix it, or empty when it is
   * valid.
   */
  public Optional<String> problem(String subdomain) {
    if (subdomain == null || subdomain.isEmpty()) {
      return Optional.of("is required");
    }
    if (subdomain.length() < MIN_LENGTH || subdomain.length() > MAX_LENGTH) {
      return Optional.of(
          "must be "
              + MIN_LENGTH
              + " to "
              + MAX_LENGTH
              + " characters long (got "
              + subdomain.length()
              + ")");
    }
    if (!ALLOWED.matcher(subdomain).matches()) {
      return Optional.of("may contain only lower-case letters a-z, digits and hyphens");
    }
    if (subdomain.startsWith("-") || subdomain.endsWith("-")) {
      return Optional.of("must not start or end with a hyphen");
    }
    if (subdomain.startsWith("xn--")) {
      return Optional.of("must not start with xn-- (punycode names are not accepted)");
    }
    if (RESERVED.contains(subdomain)) {
      return Optional.of("'" + subdomain + "' is reserved by the platform; choose another name");
    }
    return Optional.empty();
  }
}
