package com.taskifai.routing.tenancy;

import com.taskifai.routing.tenancy.TenantPools.CredentialFailure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tenants whose stored credentials open no connection, and why: each failure is counted ({@code
 * taskifai.tenant.credential.failures}), logged once per episode without any secret, and listed
 * until a connection succeeds again.
 */
final class CredentialFailures {
  private static final Logger log = LoggerFactory.getLogger(TenantPools.class);

  private final MeterRegistry meters;
  private final ConcurrentHashMap<UUID, CredentialFailure> failing = new ConcurrentHashMap<>();

  CredentialFailures(MeterRegistry meters) {
    this.meters = meters;
    Gauge.builder("taskifai.router.tenants.credentials.failing", failing, Map::size)
        .description("Tenants not served because their stored database credentials fail")
        .register(meters);
  }

  /** Counts a failure; logs it when a tenant starts failing or fails for another reason. */
  void failed(UUID tenantId, String reason, String detail) {
    Counter.builder("taskifai.tenant.credential.failures")
        .tag("tenant", tenantId.toString())
        .tag("reason", reason)
        .description("Connections refused or never tried because stored credentials fail")
        .register(meters)
        .increment();
    CredentialFailure before = failing.get(tenantId);
    failing.merge(
        tenantId,
        new CredentialFailure(reason, Instant.now(), 1),
        (old, now) ->
            old.reason().equals(reason)
                ? new CredentialFailure(reason, old.since(), old.failures() + 1)
                : now);
    if (before == null || !before.reason().equals(reason)) {
      log.error(
          "tenant {} is not served: {}; it answers 503 until its credentials are repaired",
          tenantId,
          detail);
    }
  }

  /** A connection of the tenant worked: its failure, if any, is over. */
  void worked(UUID tenantId) {
    if (!failing.isEmpty() && failing.remove(tenantId) != null) {
      log.info("tenant {}: its stored database credentials work again", tenantId);
    }
  }

  /** Forgets the tenant's failure (it no longer serves traffic). */
  void forget(UUID tenantId) {
    failing.remove(tenantId);
  }

  boolean contains(UUID tenantId) {
    return failing.containsKey(tenantId);
  }

  Map<UUID, CredentialFailure> snapshot() {
    return Map.copyOf(failing);
  }

  /** SQLSTATE class 28 (invalid authorization: wrong password, no such role, no hba rule). */
  static boolean refusedCredentials(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql
          && sql.getSQLState() != null
          && sql.getSQLState().startsWith("28")) {
        return true;
      }
    }
    return false;
  }
}
