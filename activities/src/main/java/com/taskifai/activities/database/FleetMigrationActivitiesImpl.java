package com.taskifai.activities.database;

import com.taskifai.activities.CurrentActivity;
import com.taskifai.activities.OperationClaims;
import com.taskifai.activities.StepFailure;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.FleetMigrations;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantKind;
import com.taskifai.registry.TenantOperationKind;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.providers.DatabaseProvider;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.tenantschema.TrialSchema;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.migration.FleetMigrationActivities;
import com.taskifai.workflows.migration.MigrationTarget;
import com.taskifai.workflows.migration.TenantExtensionInput;
import com.taskifai.workflows.migration.TenantMigrationFailure;
import com.taskifai.workflows.migration.TenantMigrationInput;
import com.taskifai.workflows.migration.TenantMigrationResult;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The activities of a fleet schema rollout. They share the admin sessions ({@link ServerAccess})
 * and the template (with its migration locations) of {@link TenantDatabaseActivitiesImpl}, so a
 * rollout and provisioning in one process agree on what "the newest schema" is.
 */
public final class FleetMigrationActivitiesImpl implements FleetMigrationActivities {
  private static final Logger log = LoggerFactory.getLogger(FleetMigrationActivitiesImpl.class);

  /**
   * The tenant's advisory lock, taken in the tenant database by every operation that changes the
   * tenant's schema or copies it; one key per database is enough, since it is per database.
   */
  public static final long TENANT_LOCK_KEY = 0x74656e616e746f70L; // "tenantop"

  private static final int MAX_ERROR = 1000;

  private final TenantRegistry tenants;
  private final FleetMigrations fleet;
  private final DatabaseServers servers;
  private final TemplateDatabase template;
  private final ServerAccess access;
  private final OperationClaims claims;
  private final LockedTenantSchemas schemas;

  public FleetMigrationActivitiesImpl(
      ServerAccess access,
      TenantRegistry tenants,
      DatabaseServers servers,
      TemplateDatabase template) {
    this.access = access;
    this.tenants = tenants;
    this.fleet = tenants.fleetMigrations();
    this.servers = servers;
    this.template = template;
    this.claims = new OperationClaims(tenants.operations());
    this.schemas = new LockedTenantSchemas(access, template, fleet);
  }

  @Override
  public void start(Start start) {
    fleet.create(
        start.migrationId(), start.targetVersion(), start.requestedBy(), start.optionsJson());
  }

  @Override
  public List<String> servers() {
    return servers.all().stream().map(DatabaseServers.Server::id).toList();
  }

  @Override
  public String migrateTemplate(String serverId) {
    DatabaseServers.Server server = access.server(serverId);
    try {
      String version = template.migrate(access.admin(server));
      log.info("template of server {} is at tenant schema version {}", serverId, version);
      return version;
    } catch (SQLException e) {
      throw DatabaseFailures.ofMigration("migrate_template on server " + serverId, e);
    } catch (RuntimeException e) {
      throw DatabaseFailures.unwrapped(
          e, sql -> DatabaseFailures.ofMigration("migrate_template on server " + serverId, sql));
    }
  }

  @Override
  public void setPhase(Phase phase) {
    fleet.setPhase(phase.migrationId(), phase.phase(), phase.targetVersion());
  }

  @Override
  public void setState(State state) {
    fleet.setState(state.migrationId(), state.state(), state.reason());
  }

  @Override
  public List<MigrationTarget> canaries(Canaries canaries) {
    if (!canaries.tenants().isEmpty()) {
      List<MigrationTarget> named = new ArrayList<>();
      for (UUID id : canaries.tenants()) {
        tenants
            .findById(id)
            .filter(t -> FleetMigrations.MIGRATED.contains(t.status()))
            .filter(t -> t.databaseServerId() != null && t.databaseName() != null)
            .ifPresent(t -> named.add(new MigrationTarget(t.tenantId(), t.databaseServerId())));
      }
      return named;
    }
    if (canaries.count() <= 0) {
      return List.of();
    }
    return fleet.candidates(canaries.targetVersion(), null, canaries.count()).stream()
        .map(c -> new MigrationTarget(c.tenantId(), c.serverId()))
        .toList();
  }

  @Override
  public List<MigrationTarget> candidates(Candidates candidates) {
    return fleet
        .candidates(candidates.targetVersion(), candidates.after(), candidates.limit())
        .stream()
        .map(c -> new MigrationTarget(c.tenantId(), c.serverId()))
        .toList();
  }

  @Override
  public TenantMigrationResult migrateTenant(TenantMigrationInput input) {
    Optional<Tenant> found = tenants.findById(input.tenantId());
    if (found.isPresent() && found.get().isTrial()) {
      // A named canary may be a trial: its rows are in the server's shared trial database,
      // which migrate_trial_database migrates once for all the server's trials.
      return skipped(
          input,
          TenantMigrationResult.SKIPPED,
          "a trial: its server's shared trial database is migrated for all its trials");
    }
    if (found.isEmpty()
        || !FleetMigrations.MIGRATED.contains(found.get().status())
        || found.get().databaseServerId() == null) {
      // PROVISIONING gets the newest schema from its own migrate_schema; DELETING, DELETED and
      // FAILED are left alone.
      return skipped(
          input,
          TenantMigrationResult.SKIPPED,
          found.map(t -> "status " + t.status()).orElse("not in the registry"));
    }
    Tenant tenant = found.get();
    Optional<TenantOperationKind.Refusal> refused =
        TenantOperationKind.MIGRATING.refusalFor(TenantKind.of(tenant, DatabaseProvider.POSTGRES));
    if (refused.isPresent()) {
      return skipped(
          input,
          TenantMigrationResult.SKIPPED,
          "tenant " + tenant.tenantId() + " " + refused.get().message());
    }
    // The tenant's claim, so no move copies it, no restore or promotion swaps it and no extension
    // changes it while its schema changes. Busy: skipped now, the rollout comes back to it.
    String operationId = "migrate:" + input.migrationId();
    TenantOperations operations = tenants.operations();
    Optional<TenantOperations.Held> held =
        operations.claim(tenant.tenantId(), TenantOperationKind.MIGRATING, operationId);
    if (held.isPresent()) {
      return skipped(
          input,
          TenantMigrationResult.BUSY,
          "busy with "
              + held.get().operation()
              + " ("
              + held.get().operationId()
              + "); the rollout comes back to it");
    }
    try {
      return migrateClaimed(input, tenant);
    } finally {
      operations.release(tenant.tenantId(), operationId);
    }
  }

  /** Records the tenant as skipped by the rollout (status SKIPPED) and answers {@code result}. */
  private TenantMigrationResult skipped(TenantMigrationInput input, String result, String why) {
    fleet.tenantFinished(
        input.migrationId(), input.tenantId(), input.canary(), "SKIPPED", null, 0, why);
    return new TenantMigrationResult(input.tenantId(), result, null, 0, why);
  }

  private TenantMigrationResult migrateClaimed(TenantMigrationInput input, Tenant tenant) {
    return schemas.whileLocked(
        tenant,
        "migrate_tenant_schema",
        () ->
            fleet.tenantStarted(
                input.migrationId(),
                tenant.tenantId(),
                input.canary(),
                fleet.schemaVersion(tenant.tenantId()).orElse(null)),
        (ds, names) -> {
          TenantSchema.Migrated m =
              TenantSchema.migrate(
                  ds, names.ownerRole(), template.locations(), input.targetVersion());
          // The tenant's schema extensions come after the base migrations, every rollout.
          for (FleetMigrations.Extension ext : fleet.extensions(tenant.tenantId())) {
            schemas.applyExtension(ds, names, tenant.tenantId(), ext.name());
          }
          LockedTenantSchemas.protect(ds, names);
          fleet.recordSchemaVersion(tenant.tenantId(), m.toVersion());
          fleet.tenantFinished(
              input.migrationId(),
              tenant.tenantId(),
              input.canary(),
              "DONE",
              m.toVersion(),
              m.applied(),
              null);
          log.info(
              "tenant {}: schema {} -> {} ({} migrations applied, rollout {})",
              tenant.tenantId(),
              m.fromVersion(),
              m.toVersion(),
              m.applied(),
              input.migrationId());
          return new TenantMigrationResult(
              tenant.tenantId(), TenantMigrationResult.DONE, m.toVersion(), m.applied(), null);
        });
  }

  @Override
  public TrialDatabaseResult migrateTrialDatabase(TrialDatabase input) {
    DatabaseServers.Server server =
        servers
            .find(input.serverId())
            .orElseThrow(() -> StepFailure.serverMissing(input.serverId()));
    if (!fleet.trialDatabaseReady(server.id())) {
      // place_trial makes it at the newest schema when the server's first trial comes.
      return new TrialDatabaseResult(server.id(), TenantMigrationResult.SKIPPED, null, 0);
    }
    ServerAdmin admin = access.admin(server);
    String what = "migrate_trial_database on server " + server.id();
    try (MigrationHeartbeat beat = MigrationHeartbeat.start();
        Connection lock = admin.maintenance().getConnection()) {
      // The lock place_trial holds while it makes the shared database.
      try (Statement st = lock.createStatement()) {
        st.execute("SELECT pg_advisory_lock(" + TrialSchema.lockClass() + ", 0)");
      }
      try {
        TenantSchema.Migrated m =
            TrialSchema.migrate(
                admin.database(TrialSchema.DATABASE), template.locations(), input.targetVersion());
        int trials = fleet.recordTrialSchemaVersion(server.id(), m.toVersion());
        log.info(
            "trial database of server {}: schema {} -> {} ({} migrations applied, {} trials"
                + " recorded, rollout {})",
            server.id(),
            m.fromVersion(),
            m.toVersion(),
            m.applied(),
            trials,
            input.migrationId());
        return new TrialDatabaseResult(
            server.id(), TenantMigrationResult.DONE, m.toVersion(), m.applied());
      } finally {
        try (Statement st = lock.createStatement()) {
          st.execute("SELECT pg_advisory_unlock(" + TrialSchema.lockClass() + ", 0)");
        }
      }
    } catch (SQLException e) {
      throw DatabaseFailures.ofMigration(what, e);
    } catch (IllegalStateException e) {
      SQLException sql = DatabaseFailures.sqlCause(e);
      if (sql != null) {
        throw DatabaseFailures.ofMigration(what, sql);
      }
      // The isolation cannot cover the change (a table without tenant_id): nothing was
      // committed, and no retry changes that.
      throw StepFailure.of(FailureType.INVALID_STATE, what + " failed: " + e.getMessage());
    }
  }

  @Override
  public String applyExtension(TenantExtensionInput input) {
    if (!TenantSchema.extensionShipped(template.locations(), input.name())) {
      throw StepFailure.of(
          FailureType.INVALID_STATE, "no schema extension named '" + input.name() + "' is shipped");
    }
    Tenant tenant =
        tenants
            .findById(input.tenantId())
            .orElseThrow(() -> StepFailure.tenantMissing(input.tenantId()));
    if (!FleetMigrations.MIGRATED.contains(tenant.status()) || tenant.databaseServerId() == null) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "tenant "
              + tenant.tenantId()
              + " is "
              + tenant.status()
              + ": extensions are enabled for ACTIVE or SUSPENDED tenants only");
    }
    TenantOperationKind.ENABLING_EXTENSION
        .refusalFor(TenantKind.of(tenant, DatabaseProvider.POSTGRES))
        .ifPresent(
            refusal -> {
              throw StepFailure.refused(tenant.tenantId(), refusal);
            });
    String operationId =
        CurrentActivity.info()
            .map(i -> i.getWorkflowId())
            .orElse("extension:" + tenant.tenantId() + ":" + input.name());
    return claims.whileClaimed(
        tenant.tenantId(),
        TenantOperationKind.ENABLING_EXTENSION,
        operationId,
        "enable the extension again when it ends",
        () -> applyClaimed(input, tenant));
  }

  private String applyClaimed(TenantExtensionInput input, Tenant tenant) {
    fleet.enableExtension(tenant.tenantId(), input.name(), input.requestedBy());
    return schemas.whileLocked(
        tenant,
        "apply_tenant_extension",
        () -> {},
        (ds, names) -> {
          String version = schemas.applyExtension(ds, names, tenant.tenantId(), input.name());
          LockedTenantSchemas.protect(ds, names);
          return version;
        });
  }

  @Override
  public void recordFailure(TenantMigrationFailure failure) {
    String error = failure.error();
    if (error != null && error.length() > MAX_ERROR) {
      error = error.substring(0, MAX_ERROR);
    }
    fleet.tenantFinished(
        failure.migrationId(), failure.tenantId(), failure.canary(), "FAILED", null, 0, error);
  }
}
