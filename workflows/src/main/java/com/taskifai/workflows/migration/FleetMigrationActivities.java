package com.taskifai.workflows.migration;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;
import java.util.UUID;

/** The registry and database work of a fleet rollout. Each method is idempotent. */
@ActivityInterface
public interface FleetMigrationActivities {

  /** Options of a rollout as the registry records them. */
  record Start(String migrationId, String targetVersion, String requestedBy, String optionsJson) {}

  /** A phase change, with the target version once resolved. */
  record Phase(String migrationId, String phase, String targetVersion) {}

  /** A state change (RUNNING, PAUSED, COMPLETED, ABORTED, FAILED) with its reason. */
  record State(String migrationId, String state, String reason) {}

  /** Which tenants go first: named ones, or the first {@code count} still to migrate. */
  record Canaries(String migrationId, String targetVersion, List<UUID> tenants, int count) {}

  /** A page of tenants still to migrate after {@code after}. */
  record Candidates(String targetVersion, UUID after, int limit) {}

  /** Creates the rollout's registry row (RUNNING); a second call finds it. */
  @ActivityMethod(name = "start_fleet_migration")
  void start(Start start);

  /** The ids of every registered database server. */
  @ActivityMethod(name = "list_database_servers")
  List<String> servers();

  /**
   * Brings the server's template database to the newest tenant schema (creating it when the
   * template fast path is on and it is absent); returns its version, null when the server keeps no
   * template.
   */
  @ActivityMethod(name = "migrate_template")
  String migrateTemplate(String serverId);

  @ActivityMethod(name = "set_migration_phase")
  void setPhase(Phase phase);

  @ActivityMethod(name = "set_migration_state")
  void setState(State state);

  /** The canaries: the named tenants that are ACTIVE or SUSPENDED, or the first {@code count}. */
  @ActivityMethod(name = "pick_canaries")
  List<MigrationTarget> canaries(Canaries canaries);

  /** The next page of ACTIVE or SUSPENDED tenants not at the target version, in id order. */
  @ActivityMethod(name = "list_migration_candidates")
  List<MigrationTarget> candidates(Candidates candidates);

  /**
   * Migrates one tenant database: takes the tenant's advisory lock, runs Flyway to the target,
   * re-applies grants and row level security, checks that every table is protected, records the
   * version in the registry and the result in the rollout. A tenant no longer ACTIVE or SUSPENDED
   * is SKIPPED.
   */
  @ActivityMethod(name = "migrate_tenant_schema")
  TenantMigrationResult migrateTenant(TenantMigrationInput input);

  /**
   * Enables a schema extension for an ACTIVE or SUSPENDED tenant and applies it under the tenant's
   * advisory lock, with grants, row level security and the protection check; returns its version.
   * An extension that is not shipped fails for good.
   */
  @ActivityMethod(name = "apply_tenant_extension")
  String applyExtension(TenantExtensionInput input);

  /** Which server's shared trial database a rollout migrates, and to which tenant version. */
  record TrialDatabase(String migrationId, String serverId, String targetVersion) {}

  /**
   * What became of a server's shared trial database: DONE (at {@code version}, the tenant schema
   * version, with {@code applied} migrations run) or SKIPPED (the server has none yet).
   */
  record TrialDatabaseResult(String serverId, String state, String version, int applied) {}

  /**
   * Migrates the server's shared trial database to the target (with its {@code db/trial}
   * counterparts) under the server's trial lock: migrations and policies in one transaction, so a
   * change the isolation cannot cover rolls back whole and fails for good (INVALID_STATE); then
   * records the version on the server's trials. A server without a ready trial database is SKIPPED.
   * Idempotent: a second call applies nothing.
   */
  @ActivityMethod(name = "migrate_trial_database")
  TrialDatabaseResult migrateTrialDatabase(TrialDatabase input);

  /** Records a tenant whose migration failed for good, with the error. */
  @ActivityMethod(name = "record_tenant_migration_failure")
  void recordFailure(TenantMigrationFailure failure);
}
