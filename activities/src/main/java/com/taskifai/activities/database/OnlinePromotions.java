package com.taskifai.activities.database;

import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.tenantschema.TrialSchema;
import com.taskifai.workflows.ports.MoveActivities.CopyMode;
import com.taskifai.workflows.ports.MoveActivities.ReplicationLag;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;

/**
 * The online promotion's steps on the trial's server ({@link TrialActivitiesImpl} finds the trial
 * and its server): the replication of the trial's rows out of the shared trial database into its
 * new database ({@link TrialReplication#scope}), its catch-up, the wait for lag 0, the sequences,
 * the stop, and the check of the copy.
 */
final class OnlinePromotions {
  private final OnlineReplication replication;

  OnlinePromotions(OnlineReplication replication) {
    this.replication = replication;
  }

  /** Online when the server can replicate the trial's rows; else why not. */
  CopyMode check(ServerAdmin admin, UUID tenantId) {
    try {
      return replication
          .lifecycle()
          .refusal(admin, admin, scope(tenantId))
          .map(reason -> new CopyMode(false, reason))
          .orElse(new CopyMode(true, null));
    } catch (SQLException e) {
      throw DatabaseFailures.of("check_online_promotion", tenantId, e);
    }
  }

  /** The shared tables keyed by tenant, the landing column, then the replication. */
  void start(ServerAdmin admin, UUID tenantId) {
    try {
      TrialReplication.keyByTenant(admin);
      TrialReplication.landTenantColumn(admin, dedicated(tenantId));
      replication.lifecycle().start(admin, admin, scope(tenantId), tenantId);
    } catch (SQLException e) {
      throw DatabaseFailures.of("start_trial_replication", tenantId, e);
    }
  }

  ReplicationLag catchUp(ServerAdmin admin, UUID tenantId) {
    try {
      return replication.progress().catchUp(admin, admin, scope(tenantId), tenantId);
    } catch (SQLException e) {
      throw DatabaseFailures.of("trial_catch_up", tenantId, e);
    }
  }

  ReplicationLag awaitZeroLag(ServerAdmin admin, UUID tenantId) {
    try {
      return replication.progress().awaitZeroLag(admin, admin, scope(tenantId), null, tenantId);
    } catch (SQLException e) {
      throw DatabaseFailures.of("await_trial_zero_lag", tenantId, e);
    }
  }

  int setSequences(ServerAdmin admin, UUID tenantId) {
    try {
      return replication.sequences().setSequences(admin, admin, scope(tenantId));
    } catch (SQLException e) {
      throw DatabaseFailures.of("set_trial_sequences", tenantId, e);
    }
  }

  /**
   * Drops the replication; while the tenant is still a trial, the new database's landing column
   * goes too (after the swap the tenant's tables are its own).
   */
  void stop(ServerAdmin admin, UUID tenantId, boolean stillTrial) {
    String target = dedicated(tenantId);
    try {
      replication.lifecycle().stop(admin, admin, scope(tenantId), tenantId);
      boolean exists;
      try (Connection c = admin.maintenance().getConnection()) {
        exists = ServerAdmin.databaseExists(c, target);
      }
      if (exists && stillTrial) {
        TrialReplication.dropTenantColumn(admin, target);
      }
    } catch (SQLException e) {
      throw DatabaseFailures.of("stop_trial_replication", tenantId, e);
    }
  }

  /** The trial's rows against its new database's; the rows per table. */
  Map<String, Long> verify(ServerAdmin admin, UUID tenantId) {
    return replication
        .verification()
        .verifyTrial(
            admin, TrialSchema.DATABASE, dedicated(tenantId), TenantSchema.TENANT_TABLES, tenantId);
  }

  private static ReplicationScope scope(UUID tenantId) {
    return TrialReplication.scope(dedicated(tenantId), tenantId);
  }

  private static String dedicated(UUID tenantId) {
    return TenantDatabaseNames.of(tenantId).database();
  }
}
