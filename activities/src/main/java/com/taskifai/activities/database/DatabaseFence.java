package com.taskifai.activities.database;

import com.taskifai.activities.StepFailure;
import com.taskifai.registry.TenantDatabaseFences;
import com.taskifai.workflows.FailureType;
import java.sql.SQLException;
import java.util.UUID;

/**
 * Orders create_database and its undo for one tenant through the registry's {@link
 * TenantDatabaseFences}: a create holds the tenant's fence for all its work, the undo waits for a
 * running create and then marks the database dropped, after which every create is refused as a
 * non-retryable step failure.
 */
final class DatabaseFence {

  private final TenantDatabaseFences fences;

  DatabaseFence(TenantDatabaseFences fences) {
    this.fences = fences;
  }

  /**
   * Runs {@code work} holding the tenant's fence; fails non-retryably (INVALID_STATE) when the
   * tenant's database was dropped by its undo or by offboarding.
   */
  void whileCreating(UUID tenantId, TenantDatabaseFences.Work work) throws SQLException {
    if (!fences.whileCreating(tenantId, work)) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "the database of tenant "
              + tenantId
              + " was dropped by its undo; create_database does not create it again");
    }
  }

  /**
   * Marks the tenant's database dropped, once any running create has ended; returns when the mark
   * is committed.
   */
  void markDropped(UUID tenantId) throws SQLException {
    fences.markDropped(tenantId);
  }
}
