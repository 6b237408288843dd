package com.taskifai.routing.tenancy;

import com.taskifai.registry.LogContext;
import com.taskifai.registry.SubdomainRules;
import com.taskifai.registry.Tenant;
import com.taskifai.routing.RoutingSettings;
import com.taskifai.routing.auth.TenantTokens;
import com.taskifai.web.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatusCode;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The request flow in front of every tenant endpoint: Host header to subdomain (400 when
 * malformed), subdomain to an active tenant (403 with one answer for unknown, suspended, deleted
 * and not yet active, so names cannot be probed), then for {@code /api/**} outside sign-in the
 * tenant JWT (401 when missing or invalid, 403 when issued for another tenant, which is counted).
 * Sets the tenant id and a request id in the logging context.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class TenantRoutingFilter extends OncePerRequestFilter {
  private static final Logger log = LoggerFactory.getLogger(TenantRoutingFilter.class);
  private static final String NO_TENANT =
      "no active tenant serves this address; check the subdomain";

  private final SubdomainRules rules;
  private final TenantDirectory directory;
  private final TenantTokens tokens;
  private final RouterMetrics metrics;
  private final List<String> unroutedPaths;

  public TenantRoutingFilter(
      SubdomainRules rules,
      TenantDirectory directory,
      TenantTokens tokens,
      RouterMetrics metrics,
      RoutingSettings settings) {
    this.unroutedPaths = settings.unroutedPaths;
    this.rules = rules;
    this.directory = directory;
    this.tokens = tokens;
    this.metrics = metrics;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    String path = request.getRequestURI();
    for (String prefix : unroutedPaths) {
      if (path.equals(prefix) || path.startsWith(prefix + "/")) {
        return true;
      }
    }
    return false;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    long started = System.nanoTime();
    MDC.put(LogContext.REQUEST_ID, com.taskifai.web.RequestIds.assign(request, response));
    String tenantTag = "none";
    try {
      String hostHeader = request.getHeader("Host");
      Optional<String> label =
          isCanonical(hostHeader) ? rules.extract(hostHeader) : Optional.<String>empty();
      if (label.isEmpty() || isMalformed(label.get())) {
        error(
            response, 400, "bad_host", "the Host header must be <subdomain>." + rules.baseDomain());
        return;
      }
      Optional<Tenant> tenant;
      try {
        tenant = rules.isValid(label.get()) ? directory.find(label.get()) : Optional.empty();
      } catch (DataAccessException e) {
        log.warn("registry lookup failed: {}", e.getMostSpecificCause().getMessage());
        response.setHeader("Retry-After", "2");
        error(response, 503, "unavailable", "the tenant registry cannot be reached; retry soon");
        return;
      }
      if (tenant.isEmpty()) {
        error(response, 403, "forbidden", NO_TENANT);
        return;
      }
      if (!isRead(request.getMethod()) && directory.writesHeld(label.get())) {
        // The tenant's database is being swapped (a restore): only for that short window.
        response.setHeader("Retry-After", "2");
        error(
            response,
            503,
            "unavailable",
            "the tenant's database is being switched; retry in a few seconds");
        return;
      }
      RoutedTenant routed = new RoutedTenant(tenant.get());
      tenantTag = routed.id();
      MDC.put(LogContext.TENANT_ID, tenantTag);
      // The request's server span (RequestTracing), when traces are on: the tenant's id only.
      io.opentelemetry.api.trace.Span.current().setAttribute("tenant", tenantTag);
      request.setAttribute(RoutedTenant.ATTRIBUTE, routed);

      if (needsToken(request.getRequestURI())) {
        String header = request.getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
          response.setHeader("WWW-Authenticate", "Bearer");
          error(response, 401, "unauthorized", "sign in: send Authorization: Bearer <token>");
          return;
        }
        TenantTokens.Claims claims;
        try {
          claims = tokens.verify(header.substring(7).strip(), Instant.now());
        } catch (TenantTokens.InvalidTokenException e) {
          response.setHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
          error(response, 401, "unauthorized", e.getMessage());
          return;
        }
        if (!claims.tenantId().equals(routed.tenant().tenantId())) {
          metrics.crossTenantAttempt();
          log.warn("refused a token issued for tenant {}", claims.tenantId());
          error(response, 403, "forbidden", "this token was not issued for this tenant");
          return;
        }
        request.setAttribute(TenantUser.ATTRIBUTE, claims.user());
        metrics.userSeen(tenantTag, claims.user().userId());
      }
      chain.doFilter(request, response);
    } finally {
      metrics.request(tenantTag, response.getStatus(), System.nanoTime() - started);
      MDC.remove(LogContext.TENANT_ID);
      MDC.remove(LogContext.REQUEST_ID);
    }
  }

  /**
   * Browsers send host names in lower case and without the root dot; other spellings of a tenant's
   * name (upper case, trailing dot) are refused instead of being quietly mapped, so that caches,
   * cookies and logs only ever see one name per tenant.
   */
  private static boolean isCanonical(String host) {
    if (host == null) {
      return false;
    }
    int colon = host.indexOf(':');
    String name = colon < 0 ? host : host.substring(0, colon);
    if (name.endsWith(".")) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char ch = name.charAt(i);
      if (ch >= 'A' && ch <= 'Z') {
        return false;
      }
    }
    return true;
  }

  /** A label that is not a name at all (as opposed to a valid-looking name of no tenant). */
  private static boolean isMalformed(String label) {
    for (int i = 0; i < label.length(); i++) {
      char ch = label.charAt(i);
      if (!(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-')) {
        return true;
      }
    }
    return label.length() > 63;
  }

  private static boolean needsToken(String path) {
    return path.startsWith("/api/") && !path.startsWith("/api/auth/");
  }

  /** Refuses the request with a problem detail, like every other error of the router. */
  static void error(HttpServletResponse response, int status, String error, String message)
      throws IOException {
    Problems.write(response, Problems.of(HttpStatusCode.valueOf(status), error, message), null);
  }

  private static boolean isRead(String method) {
    return "GET".equals(method) || "HEAD".equals(method) || "OPTIONS".equals(method);
  }
}
