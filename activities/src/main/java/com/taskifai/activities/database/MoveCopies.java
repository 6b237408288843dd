package com.taskifai.activities.database;

import com.taskifai.activities.StepFailure;
import com.taskifai.registry.Tenant;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.ports.MoveActivities.CopyManifest;
import com.taskifai.workflows.ports.MoveActivities.MoveInput;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The copies of a move ({@link MoveActivitiesImpl} decides when): the whole database with {@code
 * pg_dump | pg_restore} under the write hold and its check against the dump's manifest, or the
 * schema alone before an online move's replication. Each starts again on an empty database.
 */
final class MoveCopies {
  private static final Logger log = LoggerFactory.getLogger(MoveActivitiesImpl.class);

  private final ServerAccess access;
  private final PgPipes pipes;
  private final MoveDatabases databases;
  private final MoveTenants tenants;

  MoveCopies(ServerAccess access, PgPipes pipes, MoveDatabases databases, MoveTenants tenants) {
    this.access = access;
    this.pipes = pipes;
    this.databases = databases;
    this.tenants = tenants;
  }

  CopyManifest copyDatabase(MoveInput in) {
    Tenant tenant = tenants.placed(in.tenantId());
    if (tenants.onTarget(tenant, in)) {
      return databases.manifestOf(access.admin(in.targetServerId()), in);
    }
    tenants.requireOnSource(tenant, in);
    databases.refuseSameCluster(in.sourceServerId(), in.targetServerId(), in.tenantId());
    String owner = databases.sourceOwner(in);
    ServerAdmin source = access.admin(in.sourceServerId());
    ServerAdmin target = access.admin(in.targetServerId());
    // A retry starts again on an empty database.
    databases.createEmpty(target, in, owner, tenants.appRole(tenant));
    long started = System.nanoTime();
    try (Connection connection = source.unpooled(in.database()).getConnection()) {
      pipes.requireDumpClient(connection, in.sourceServerId(), "");
      PgPipes.Snapshot snapshot = PgPipes.export(connection);
      PgPipes.Copied copied;
      try (OwnerLogin login = OwnerLogin.open(target, owner, "copy_database")) {
        copied = pipes.copy(source, target, login, in.database(), snapshot.id());
      }
      connection.commit();
      if (copied.dumpExit() != 0) {
        throw StepFailure.of(
            FailureType.UNAVAILABLE,
            "pg_dump exited with " + copied.dumpExit() + ": " + copied.dumpErrors());
      }
      if (copied.restoreExit() != 0) {
        throw StepFailure.of(
            FailureType.UNAVAILABLE,
            "pg_restore exited with " + copied.restoreExit() + ": " + copied.restoreErrors());
      }
      try {
        TenantSchema.grantAppRole(target.database(in.database()), owner, tenants.appRole(tenant));
      } catch (IllegalStateException e) {
        throw StepFailure.of(
            FailureType.UNAVAILABLE, "copy_database: cannot grant the app role: " + e.getMessage());
      }
      log.info(
          "tenant {}: {} copied from {} to {} ({} ms)",
          in.tenantId(),
          in.database(),
          in.sourceServerId(),
          in.targetServerId(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      return new CopyManifest(snapshot.manifest().schemaVersion(), snapshot.manifest().rowCounts());
    } catch (SQLException e) {
      throw DatabaseFailures.of("copy_database", in.tenantId(), e);
    } catch (IOException e) {
      throw StepFailure.of(FailureType.UNAVAILABLE, "copy failed: " + e.getMessage());
    } finally {
      target.release(in.database());
    }
  }

  void verifyCopy(MoveInput in, CopyManifest manifest) {
    CopyManifest actual = databases.manifestOf(access.admin(in.targetServerId()), in);
    if (!Objects.equals(actual.schemaVersion(), manifest.schemaVersion())) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "copied schema version "
              + actual.schemaVersion()
              + " differs from the source's "
              + manifest.schemaVersion());
    }
    if (!new TreeMap<>(actual.rowCounts()).equals(new TreeMap<>(manifest.rowCounts()))) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "copied row counts "
              + actual.rowCounts()
              + " differ from the source's manifest "
              + manifest.rowCounts());
    }
  }

  void copySchema(MoveInput in) {
    Tenant tenant = tenants.placed(in.tenantId());
    if (tenants.onTarget(tenant, in)) {
      return;
    }
    tenants.requireOnSource(tenant, in);
    databases.refuseSameCluster(in.sourceServerId(), in.targetServerId(), in.tenantId());
    String owner = databases.sourceOwner(in);
    ServerAdmin source = access.admin(in.sourceServerId());
    ServerAdmin target = access.admin(in.targetServerId());
    // A retry starts again on an empty database (no subscription can be in it yet).
    databases.createEmpty(target, in, owner, tenants.appRole(tenant));
    try {
      PgPipes.Copied copied;
      try (OwnerLogin login = OwnerLogin.open(target, owner, "copy_schema")) {
        copied = pipes.copySchema(source, target, login, in.database());
      }
      if (copied.dumpExit() != 0 || copied.restoreExit() != 0) {
        throw StepFailure.of(
            FailureType.UNAVAILABLE,
            "copy_schema: pg_dump exited with "
                + copied.dumpExit()
                + " ("
                + copied.dumpErrors()
                + "), pg_restore with "
                + copied.restoreExit()
                + " ("
                + copied.restoreErrors()
                + ")");
      }
      TenantSchema.grantAppRole(target.database(in.database()), owner, tenants.appRole(tenant));
    } catch (IOException | IllegalStateException e) {
      throw StepFailure.of(FailureType.UNAVAILABLE, "copy_schema failed: " + e.getMessage());
    } finally {
      target.release(in.database());
    }
  }
}
