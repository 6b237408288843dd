package com.taskifai.workflows.migration;

import java.util.UUID;

/**
 * One tenant's outcome: state DONE (at {@code version}, {@code applied} migrations run), FAILED
 * (with the error), SKIPPED (no longer ACTIVE or SUSPENDED, or a trial) or BUSY (another operation
 * held the tenant; the rollout comes back to it).
 */
public record TenantMigrationResult(
    UUID tenantId, String state, String version, int applied, String error) {
  public static final String DONE = "DONE";
  public static final String FAILED = "FAILED";
  public static final String SKIPPED = "SKIPPED";
  public static final String BUSY = "BUSY";
}
