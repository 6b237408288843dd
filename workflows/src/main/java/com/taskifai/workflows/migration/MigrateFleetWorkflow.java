package com.taskifai.workflows.migration;

import com.taskifai.workflows.WorkflowIds;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * A fleet schema rollout: the template database of every server first, then the canaries, then
 * (only when every canary succeeded) the rest of the ACTIVE and SUSPENDED tenants, one child {@link
 * TenantMigrateWorkflow} each, with bounded concurrency in total and per database server. A tenant
 * that another operation holds (a move, a backup, ...) comes back BUSY and is tried again after the
 * fleet, a few times with a pause between; one held throughout is reported in the reason. The
 * registry ({@code fleet_migrations}, {@code fleet_migration_tenants}) holds the progress the admin
 * API shows.
 */
@WorkflowInterface
public interface MigrateFleetWorkflow {

  /** {@code fleet-migrate-<migrationId>}. */
  static String workflowId(String migrationId) {
    return WorkflowIds.fleetMigrate(migrationId);
  }

  @WorkflowMethod
  MigrationProgress migrate(MigrationRequest request);

  /** Starts no new tenant until resumed; running tenants finish. */
  @SignalMethod
  void pause(String reason);

  /** Goes on after a pause (by an admin or by the failure ratio). */
  @SignalMethod
  void resume();

  /** Starts no new tenant, lets the running ones finish, and ends ABORTED with the counts. */
  @SignalMethod
  void abort(String reason);

  @QueryMethod
  MigrationProgress progress();
}
