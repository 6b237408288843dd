package com.taskifai.api.health;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.annotation.Conditional;
import org.springframework.stereotype.Component;

/**
 * The {@code supabase} health component, present only when the API has a Supabase token and
 * organization: UP while the Management API answers {@code GET /v1/projects} with the platform's
 * token, DOWN with a description naming the HTTP status (401: a wrong or revoked token; 5xx:
 * Supabase's side) or the kind of connection error. Like {@code temporal} it is part of the overall
 * health but of neither probe group: tenants on our own servers, and running Supabase tenants, do
 * not need the Management API.
 */
@Component
@Conditional(SupabaseStatus.Configured.class)
public class SupabaseHealthIndicator implements HealthIndicator {
  private final SupabaseStatus supabase;

  public SupabaseHealthIndicator(SupabaseStatus supabase) {
    this.supabase = supabase;
  }

  @Override
  public Health health() {
    SupabaseStatus.Probe p = supabase.probe();
    if (p.up()) {
      return Health.up().build();
    }
    // The reason goes into the status's description too: the health endpoint lists components
    // without details, and the description is what an operator sees there.
    String reason =
        p.httpStatus() != null
            ? "GET /v1/projects answered HTTP "
                + p.httpStatus()
                + (p.httpStatus() == 401 || p.httpStatus() == 403
                    ? ": check TASKIFAI_SUPABASE_ACCESS_TOKEN"
                    : "")
            : "GET /v1/projects failed: " + p.error();
    Health.Builder down = Health.status(new Status(Status.DOWN.getCode(), reason));
    if (p.httpStatus() != null) {
      down.withDetail("http_status", p.httpStatus());
    }
    return down.build();
  }
}
