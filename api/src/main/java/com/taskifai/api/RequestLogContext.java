package com.taskifai.api;

import static com.taskifai.registry.LogContext.ACTOR;
import static com.taskifai.registry.LogContext.REQUEST_ID;
import static com.taskifai.registry.LogContext.TENANT_ID;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.MDC;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Puts ids (never data) into the log context of each admin request: a request id (the caller's
 * {@code X-Request-Id} when it is a plain token, else a new one, echoed in the response), the
 * tenant id from a {@code /admin/tenants/{id}} path, and the authenticated admin. Runs after Spring
 * Security, so the admin is known. The key names are {@link com.taskifai.registry.LogContext}'s.
 */
@Component
@Order(Ordered.LOWEST_PRECEDENCE)
public class RequestLogContext extends OncePerRequestFilter {
  private static final Pattern TENANT_PATH =
      Pattern.compile("^/admin/tenants/([0-9a-fA-F-]{36})(/.*)?$");

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    MDC.put(REQUEST_ID, com.taskifai.web.RequestIds.assign(request, response));
    Matcher tenant = TENANT_PATH.matcher(request.getRequestURI());
    if (tenant.matches()) {
      MDC.put(TENANT_ID, tenant.group(1).toLowerCase());
    }
    Authentication auth = SecurityContextHolder.getContext().getAuthentication();
    if (auth != null && auth.isAuthenticated() && auth.getName() != null) {
      MDC.put(ACTOR, auth.getName());
    }
    try {
      chain.doFilter(request, response);
    } finally {
      MDC.remove(REQUEST_ID);
      MDC.remove(TENANT_ID);
      MDC.remove(ACTOR);
    }
  }
}
