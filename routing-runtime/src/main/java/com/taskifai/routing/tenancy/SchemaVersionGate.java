package com.taskifai.routing.tenancy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.taskifai.registry.TenantRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The tenant schema versions this router's code works with, checked right after the tenant is
 * routed: a tenant whose database is at a version outside the range (a rollout has not reached it
 * yet, or went past what this release knows) answers 503 with Retry-After and is counted in {@code
 * taskifai.router.schema.unsupported}, instead of failing later with a 500 from a missing column.
 *
 * <p>The range is {@code taskifai.router.schema-versions} ({@code TASKIFAI_ROUTER_SCHEMA_VERSIONS},
 * {@code <min>..<max>}, either side may be empty); by default from 1 to the newest migration
 * shipped in {@code db/tenant}. A tenant with no recorded version is served.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 11)
public class SchemaVersionGate extends OncePerRequestFilter {
  private static final Logger log = LoggerFactory.getLogger(SchemaVersionGate.class);
  private static final Pattern MIGRATION = Pattern.compile("V([0-9]+(?:[._][0-9]+)*)__.*\\.sql");
  static final String RETRY_AFTER_SECONDS = "30";

  private final TenantRegistry registry;
  private final String min;
  private final String max;
  private final Cache<UUID, Optional<String>> versions;
  private final MeterRegistry meters;

  public SchemaVersionGate(
      TenantRegistry registry,
      TenantDirectory directory,
      MeterRegistry meters,
      com.taskifai.routing.RouterProperties router) {
    String range = router.schemaVersions();
    Duration ttl = router.cacheTtl();
    this.registry = registry;
    this.meters = meters;
    String[] parts = parse(range);
    this.min = parts[0];
    this.max = parts[1];
    this.versions = Caffeine.newBuilder().maximumSize(200_000).expireAfterWrite(ttl).build();
    // A rollout's version update changes the tenant row: the registry's notification drops it.
    directory.addChangeListener(versions::invalidate);
    log.info("serving tenant schema versions {}..{}", min, max);
  }

  /** The lowest supported version. */
  public String min() {
    return min;
  }

  /** The highest supported version. */
  public String max() {
    return max;
  }

  /** {@code [min, max]} from {@code "<min>..<max>"}; empty sides take the defaults. */
  public static String[] parse(String range) {
    String lo = "1";
    String hi = null;
    if (range != null && !range.isBlank()) {
      String[] sides = range.strip().split("\\.\\.", -1);
      if (sides.length != 2) {
        throw new IllegalArgumentException(
            "TASKIFAI_ROUTER_SCHEMA_VERSIONS must read <min>..<max>, e.g. 3..5 or 3..");
      }
      if (!sides[0].isBlank()) {
        lo = sides[0].strip();
      }
      if (!sides[1].isBlank()) {
        hi = sides[1].strip();
      }
    }
    if (hi == null) {
      hi = newestShipped();
    }
    return new String[] {lo, hi};
  }

  /** The newest version among the {@code db/tenant} migrations on the class path. */
  static String newestShipped() {
    String newest = null;
    try {
      for (Resource r :
          new PathMatchingResourcePatternResolver().getResources("classpath*:db/tenant/V*.sql")) {
        Matcher m = MIGRATION.matcher(r.getFilename() == null ? "" : r.getFilename());
        if (m.matches() && (newest == null || compare(m.group(1), newest) > 0)) {
          newest = m.group(1);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list the tenant migrations on the class path", e);
    }
    if (newest == null) {
      throw new IllegalStateException("no tenant migration (db/tenant/V*.sql) on the class path");
    }
    return newest;
  }

  /** True when the version is within the range (or unknown). */
  public boolean supports(String version) {
    return version == null || (compare(version, min) >= 0 && compare(version, max) <= 0);
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return !(request.getAttribute(RoutedTenant.ATTRIBUTE) instanceof RoutedTenant);
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    RoutedTenant routed = (RoutedTenant) request.getAttribute(RoutedTenant.ATTRIBUTE);
    UUID id = routed.tenant().tenantId();
    String version;
    try {
      version = versions.get(id, k -> registry.fleetMigrations().schemaVersion(k)).orElse(null);
    } catch (DataAccessException e) {
      response.setHeader("Retry-After", "2");
      TenantRoutingFilter.error(
          response, 503, "unavailable", "the tenant registry cannot be reached; retry soon");
      return;
    }
    if (!supports(version)) {
      String direction = compare(version, min) < 0 ? "behind" : "ahead";
      Counter.builder("taskifai.router.schema.unsupported")
          .description("Requests refused because the tenant's schema version is not supported")
          .tag("direction", direction)
          .register(meters)
          .increment();
      log.warn(
          "tenant schema version {} is outside {}..{} ({}): answering 503",
          version,
          min,
          max,
          direction);
      response.setHeader("Retry-After", RETRY_AFTER_SECONDS);
      TenantRoutingFilter.error(
          response,
          503,
          "schema_version_unsupported",
          "this tenant's data is being upgraded (schema version "
              + version
              + "; this server supports "
              + min
              + " to "
              + max
              + "); retry soon");
      return;
    }
    chain.doFilter(request, response);
  }

  /** Flyway version order: parts split at '.' or '_', compared as numbers. */
  public static int compare(String a, String b) {
    String[] x = a.split("[._]");
    String[] y = b.split("[._]");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      if (i >= x.length) {
        return -1;
      }
      if (i >= y.length) {
        return 1;
      }
      int c;
      try {
        c = new BigInteger(x[i]).compareTo(new BigInteger(y[i]));
      } catch (NumberFormatException e) {
        c = x[i].compareTo(y[i]);
      }
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }
}
