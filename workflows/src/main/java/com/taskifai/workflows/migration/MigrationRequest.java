package com.taskifai.workflows.migration;

import java.util.List;
import java.util.UUID;

/**
 * What a fleet rollout is asked to do, and (after a continue-as-new) where it stands.
 *
 * @param migrationId the rollout's id; the workflow id is {@code fleet-migrate-<migrationId>}
 * @param targetVersion the tenant schema version to reach; null for the newest shipped
 * @param canaryTenants tenants migrated first; the fleet follows only when all succeed
 * @param canaryCount when no canary is named: how many tenants (the first in id order) go first
 * @param concurrency tenants migrated at once, in total
 * @param perServerConcurrency tenants migrated at once on one database server
 * @param maxFailureRatio failed / finished above which the rollout pauses itself
 * @param requestedBy the admin who started it
 * @param searchAttributes whether the children carry the MigrationId and TenantId attributes
 * @param carry the state a continue-as-new hands on; null on the first run
 */
public record MigrationRequest(
    String migrationId,
    String targetVersion,
    List<UUID> canaryTenants,
    int canaryCount,
    int concurrency,
    int perServerConcurrency,
    double maxFailureRatio,
    String requestedBy,
    boolean searchAttributes,
    MigrationCarry carry) {

  public MigrationRequest {
    canaryTenants = canaryTenants == null ? List.of() : List.copyOf(canaryTenants);
    concurrency = Math.max(1, concurrency);
    perServerConcurrency = perServerConcurrency <= 0 ? concurrency : perServerConcurrency;
  }

  MigrationRequest withCarry(MigrationCarry next) {
    return new MigrationRequest(
        migrationId,
        targetVersion,
        canaryTenants,
        canaryCount,
        concurrency,
        perServerConcurrency,
        maxFailureRatio,
        requestedBy,
        searchAttributes,
        next);
  }
}
