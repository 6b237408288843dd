package com.taskifai.activities.database;

import com.taskifai.activities.CurrentActivity;
import com.taskifai.activities.StepFailure;
import com.taskifai.registry.Tenant;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.workflows.FailureType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DDL of a tenant's own database on its server, for {@link TenantDatabaseActivitiesImpl}: the
 * tenant's roles and the isolated database (from the template on the fast path), and the drop of
 * the database, a restore's copies of it and the roles.
 */
final class TenantDatabases {
  private static final Logger log = LoggerFactory.getLogger(TenantDatabaseActivitiesImpl.class);

  private final TemplateDatabase template;

  TenantDatabases(TemplateDatabase template) {
    this.template = template;
  }

  void create(
      Connection c,
      ServerAdmin admin,
      Tenant tenant,
      TenantDatabaseNames names,
      String password,
      boolean fastPath)
      throws SQLException {
    ServerAdmin.ensureRole(c, names.ownerRole(), "NOLOGIN");
    ServerAdmin.ensureRole(c, names.appRole(), "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE");
    c.unwrap(PGConnection.class)
        .alterUserPassword(names.appRole(), password.toCharArray(), "scram-sha-256");
    ServerAdmin.grantRoleToAdmin(c, names.ownerRole());
    CurrentActivity.checkpoint("roles");
    List<String> connect = List.of(names.ownerRole(), names.appRole());
    if (ServerAdmin.databaseExists(c, names.database())) {
      IsolatedDatabase.isolate(c, names.database(), connect);
    } else {
      if (fastPath) {
        template.copyTo(admin, c, names.database(), names.ownerRole(), connect);
      } else {
        IsolatedDatabase.create(c, names.database(), names.ownerRole(), null, connect);
      }
      log.info(
          "created database {} for tenant {} on server {} (template: {})",
          names.database(),
          tenant.tenantId(),
          admin.serverId(),
          fastPath);
    }
    CurrentActivity.checkpoint("database");
    if (fastPath) {
      DataSource tenantDatabase = admin.database(names.database());
      try (Connection t = tenantDatabase.getConnection()) {
        template.handOver(c, t, names.ownerRole());
      }
      TenantSchema.grantAppRole(tenantDatabase, names.ownerRole(), names.appRole());
    }
  }

  /**
   * Fails create_database for good when a role with one of the tenant's names can connect to
   * another tenant's database: adopting it (new password, membership) would hand this tenant the
   * other's data.
   */
  static void refuseForeignRoles(Connection c, TenantDatabaseNames names, UUID tenantId)
      throws SQLException {
    for (String role : new String[] {names.ownerRole(), names.appRole()}) {
      List<String> foreign = ServerAdmin.foreignTenantDatabases(c, role, names.database());
      if (!foreign.isEmpty()) {
        throw StepFailure.of(
            FailureType.INVALID_STATE,
            "create_database of tenant "
                + tenantId
                + ": role "
                + role
                + " exists already and may connect to another tenant's database ("
                + String.join(", ", foreign)
                + "); it is not adopted. Find out who made it before removing it.");
      }
    }
  }

  /**
   * Ends every session on the tenant database, drops it, the databases a restore made beside it and
   * the tenant's roles; a role that reaches another tenant's database is left. Dropping what is not
   * there is done.
   */
  void drop(ServerAdmin admin, TenantDatabaseNames names) throws SQLException {
    admin.release(names.database());
    try (Connection c = admin.maintenance().getConnection()) {
      // An admin that is no superuser may end a role's sessions and drop its database only
      // with that role's privileges.
      List<String> ours = new ArrayList<>();
      for (String role : new String[] {names.appRole(), names.ownerRole()}) {
        if (!ServerAdmin.roleExists(c, role)) {
          continue;
        }
        if (!ServerAdmin.foreignTenantDatabases(c, role, names.database()).isEmpty()) {
          // create_database refused this role: it is not the tenant's, so its undo leaves it.
          log.warn("role {} reaches another tenant's database: not dropped", role);
          continue;
        }
        ServerAdmin.grantRoleToAdmin(c, role);
        ours.add(role);
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                  + " WHERE datname = ? AND pid <> pg_backend_pid()")) {
        ps.setString(1, names.database());
        ps.execute();
      }
      ServerAdmin.execute(c, "DROP DATABASE IF EXISTS " + names.database() + " WITH (FORCE)");
      // Databases a restore made (the one swapped in, copies, retired ones): tenant_<hex>_r<id>.
      for (String restored : restoredDatabases(c, names.database())) {
        admin.release(restored);
        ServerAdmin.execute(c, "DROP DATABASE IF EXISTS " + restored + " WITH (FORCE)");
      }
      for (String role : ours) {
        ServerAdmin.execute(c, "DROP ROLE IF EXISTS " + role);
      }
    }
  }

  private static java.util.List<String> restoredDatabases(Connection c, String database)
      throws SQLException {
    java.util.List<String> names = new java.util.ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement("SELECT datname FROM pg_database WHERE datname ~ ?")) {
      ps.setString(1, "^" + database + "_r[a-z0-9]{1,12}$");
      try (java.sql.ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          names.add(rs.getString(1));
        }
      }
    }
    return names;
  }
}
