package com.taskifai.activities.database;

import com.taskifai.activities.StepFailure;
import com.taskifai.registry.FleetMigrations;
import com.taskifai.registry.Tenant;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.workflows.FailureType;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Schema changes inside a tenant's current database under the tenant's advisory lock ({@link
 * FleetMigrationActivitiesImpl#TENANT_LOCK_KEY}): a fleet rollout's migration and the enabling of a
 * schema extension, each with heartbeats while it runs, its database errors mapped to a migration's
 * step failures and the tenant's admin sessions released after it.
 */
final class LockedTenantSchemas {
  private static final Logger log = LoggerFactory.getLogger(LockedTenantSchemas.class);

  /** Work on the tenant's current database while its lock is held. */
  interface Work<T> {
    T run(DataSource tenantDatabase, TenantDatabaseNames names) throws SQLException;
  }

  private final ServerAccess access;
  private final TemplateDatabase template;
  private final FleetMigrations fleet;

  LockedTenantSchemas(ServerAccess access, TemplateDatabase template, FleetMigrations fleet) {
    this.access = access;
    this.template = template;
    this.fleet = fleet;
  }

  /**
   * Runs {@code work} on the tenant's current database holding the tenant's lock; {@code step}
   * names it in a failure ("{step} of tenant {id}"). Another operation holding the lock fails the
   * step as UNAVAILABLE (retried). {@code reached} runs once the tenant's server is found, before
   * the lock is taken.
   */
  <T> T whileLocked(Tenant tenant, String step, Runnable reached, Work<T> work) {
    TenantDatabaseNames names = TenantDatabaseNames.of(tenant.tenantId());
    String databaseName = currentDatabase(tenant, names);
    String what = step + " of tenant " + tenant.tenantId();
    ServerAdmin admin = access.admin(tenant);
    DataSource ds = admin.database(databaseName);
    reached.run();
    try (MigrationHeartbeat beat = MigrationHeartbeat.start();
        Connection lock = ds.getConnection()) {
      try {
        lockTenant(lock, tenant.tenantId());
        return work.run(ds, names);
      } finally {
        unlockTenant(lock);
      }
    } catch (SQLException e) {
      throw DatabaseFailures.ofMigration(what, e);
    } catch (RuntimeException e) {
      throw DatabaseFailures.unwrapped(e, sql -> DatabaseFailures.ofMigration(what, sql));
    } finally {
      admin.release(databaseName);
    }
  }

  /** Applies one shipped schema extension and records its version; returns the version. */
  String applyExtension(DataSource ds, TenantDatabaseNames names, UUID tenantId, String name) {
    TenantSchema.Migrated m =
        TenantSchema.migrateExtension(ds, names.ownerRole(), template.locations(), name);
    fleet.recordExtensionVersion(tenantId, name, m.toVersion());
    log.info(
        "tenant {}: extension {} at version {} ({} migrations applied)",
        tenantId,
        name,
        m.toVersion(),
        m.applied());
    return m.toVersion();
  }

  /** Grants and row level security for every table, then the check that none is left open. */
  static void protect(DataSource ds, TenantDatabaseNames names) {
    TenantSchema.grantAppRole(ds, names.ownerRole(), names.appRole());
    TenantSchema.applyRls(ds, names.ownerRole());
    List<String> gaps = TenantSchema.protectionGaps(ds, names.appRole());
    if (!gaps.isEmpty()) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "tenant tables left unprotected after the migration: " + String.join("; ", gaps));
    }
  }

  /**
   * The database the tenant's registry row points at: after a replace-restore it is not the one its
   * id names (that one is kept, fenced read-only, until it is retired).
   */
  private static String currentDatabase(Tenant tenant, TenantDatabaseNames names) {
    return tenant.databaseName() != null ? tenant.databaseName() : names.database();
  }

  private static void lockTenant(Connection c, UUID tenantId) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT pg_try_advisory_lock("
                    + FleetMigrationActivitiesImpl.TENANT_LOCK_KEY
                    + ")")) {
      rs.next();
      if (!rs.getBoolean(1)) {
        throw StepFailure.of(
            FailureType.UNAVAILABLE,
            "tenant " + tenantId + " is locked by another operation; retrying");
      }
    }
  }

  private static void unlockTenant(Connection c) {
    try (Statement st = c.createStatement()) {
      st.execute("SELECT pg_advisory_unlock_all()");
    } catch (SQLException ignored) {
      // The session ends with the connection; so does its lock.
    }
  }
}
