package com.taskifai.registry;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The provisioning workflows that new tenants' rows wait for (table {@code provisioning_starts}, a
 * transactional outbox). {@link #reserve} inserts a tenant's row (PROVISIONING) and its start
 * request in one statement, so no row exists without a request to start its workflow; the caller
 * starts the workflow and then calls {@link #started}, or {@link #release} when it could not. A
 * request left behind (the process killed between the two, or the registry down for the release) is
 * found by {@link #pending} and started again by whoever scans for it.
 */
public final class ProvisioningStarts {
  private final JdbcClient jdbc;
  private final TenantRegistry registry;

  public ProvisioningStarts(DataSource dataSource) {
    this.jdbc = JdbcClient.create(dataSource);
    this.registry = new TenantRegistry(dataSource);
  }

  /**
   * The rest of the provisioning workflow's input, besides the tenant's row. No secret.
   *
   * @param injectFault a fault to inject (tests and demos), or null
   */
  public record Start(
      String requestedBy,
      Duration verificationTimeout,
      String databaseProvider,
      String tier,
      String injectFault) {}

  /** A start request whose tenant is still PROVISIONING. */
  public record Pending(UUID tenantId, Start start, Instant createdAt, int attempts) {}

  /**
   * Inserts the tenant's row in status PROVISIONING and its start request, in one statement: both
   * or neither. Idempotent for the same tenant id (returns the existing row).
   *
   * @throws SubdomainTakenException when another live tenant holds the subdomain
   */
  public Tenant reserve(TenantRegistry.Reservation r, Start s) {
    Optional<Tenant> existing = registry.findById(r.tenantId());
    if (existing.isPresent()) {
      return registry.reserve(r);
    }
    try {
      jdbc.sql(
              "WITH t AS (INSERT INTO tenants"
                  + " (tenant_id, subdomain, company_name, admin_email, region, status)"
                  + " VALUES (:id, :subdomain, :company, :email, :region, 'PROVISIONING')"
                  + " RETURNING tenant_id)"
                  + " INSERT INTO provisioning_starts (tenant_id, requested_by,"
                  + " verification_timeout, database_provider, tier, inject_fault)"
                  + " SELECT tenant_id, :by, :timeout, :provider, :tier, :fault FROM t")
          .param("id", r.tenantId())
          .param("subdomain", r.subdomain())
          .param("company", r.companyName())
          .param("email", r.adminEmail())
          .param("region", r.region())
          .param("by", s.requestedBy())
          .param("timeout", s.verificationTimeout().toString())
          .param("provider", s.databaseProvider())
          .param("tier", s.tier())
          .param("fault", s.injectFault())
          .update();
    } catch (DuplicateKeyException e) {
      Optional<Tenant> holder = registry.findLiveBySubdomain(r.subdomain());
      if (holder.isPresent() && !holder.get().tenantId().equals(r.tenantId())) {
        throw new SubdomainTakenException(r.subdomain(), holder.get().tenantId());
      }
      if (holder.isEmpty() && registry.findById(r.tenantId()).isEmpty()) {
        throw e;
      }
    }
    return registry.findById(r.tenantId()).orElseThrow();
  }

  /** The workflow started: the request is done. */
  public void started(UUID tenantId) {
    jdbc.sql("DELETE FROM provisioning_starts WHERE tenant_id = :id")
        .param("id", tenantId)
        .update();
  }

  /**
   * The workflow will not start: the tenant's row becomes FAILED (which frees its subdomain) if it
   * is still PROVISIONING, and the request goes, in one statement.
   *
   * @return true when the row moved to FAILED
   */
  public boolean release(UUID tenantId) {
    return jdbc.sql(
                "WITH s AS (DELETE FROM provisioning_starts WHERE tenant_id = :id)"
                    + " UPDATE tenants SET status = 'FAILED', is_active = false"
                    + " WHERE tenant_id = :id AND status = 'PROVISIONING'")
            .param("id", tenantId)
            .update()
        == 1;
  }

  /** Counts a failed attempt to start the request's workflow, with what went wrong. */
  public void attemptFailed(UUID tenantId, String error) {
    jdbc.sql(
            "UPDATE provisioning_starts SET attempts = attempts + 1, last_error = :error"
                + " WHERE tenant_id = :id")
        .param("id", tenantId)
        .param("error", error == null ? null : error.substring(0, Math.min(error.length(), 500)))
        .update();
  }

  /**
   * Start requests older than {@code olderThan} whose tenant is still PROVISIONING, oldest first.
   * Requests of tenants that moved on (their workflow ran, or they were cancelled) are deleted.
   */
  public List<Pending> pending(Duration olderThan, int limit) {
    jdbc.sql(
            "DELETE FROM provisioning_starts s USING tenants t"
                + " WHERE t.tenant_id = s.tenant_id AND t.status <> 'PROVISIONING'")
        .update();
    return jdbc.sql(
            "SELECT s.tenant_id, s.requested_by, s.verification_timeout, s.database_provider,"
                + " s.tier, s.inject_fault, s.created_at, s.attempts"
                + " FROM provisioning_starts s JOIN tenants t ON t.tenant_id = s.tenant_id"
                + " WHERE t.status = 'PROVISIONING'"
                + " AND s.created_at < now() - make_interval(secs => :grace)"
                + " ORDER BY s.created_at LIMIT :limit")
        .param("grace", olderThan.toMillis() / 1000.0)
        .param("limit", limit)
        .query(
            (rs, i) ->
                new Pending(
                    rs.getObject("tenant_id", UUID.class),
                    new Start(
                        rs.getString("requested_by"),
                        Duration.parse(rs.getString("verification_timeout")),
                        rs.getString("database_provider"),
                        rs.getString("tier"),
                        rs.getString("inject_fault")),
                    rs.getObject("created_at", Timestamp.class).toInstant(),
                    rs.getInt("attempts")))
        .list();
  }

  /** Whether the tenant's start request is still there. */
  public boolean isPending(UUID tenantId) {
    return jdbc.sql("SELECT count(*) FROM provisioning_starts WHERE tenant_id = :id")
            .param("id", tenantId)
            .query(Long.class)
            .single()
        > 0;
  }
}
