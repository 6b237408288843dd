package com.taskifai.activities.database;

import com.taskifai.activities.StepFailure;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.ports.MoveActivities.CopyManifest;
import com.taskifai.workflows.ports.MoveActivities.MoveInput;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database-server work of a move ({@link MoveActivitiesImpl} decides when): the tenant's roles
 * and an empty database on the target, the manifest of a copy, the drop of a database and of the
 * roles no database needs any more, and the check that two server rows are not one cluster.
 */
final class MoveDatabases {
  private static final Logger log = LoggerFactory.getLogger(MoveActivitiesImpl.class);

  private final ServerAccess access;

  MoveDatabases(ServerAccess access) {
    this.access = access;
  }

  /**
   * The tenant's roles on the target, as at the source: the owner (NOLOGIN) and the app role with
   * the same password. A role of that name that may connect to another tenant's database is not
   * adopted.
   */
  void prepareRoles(ServerAdmin target, MoveInput in, String owner, TenantCredentials credentials) {
    try (Connection c = target.maintenance().getConnection()) {
      // The tenant's own database under its first name is not foreign: a move back onto a
      // server that keeps the tenant's old copy (in its grace) after a replace-restore renamed
      // the live one meets it there.
      String ownFirstName = TenantDatabaseNames.of(in.tenantId()).database();
      for (String role : List.of(owner, credentials.username())) {
        List<String> foreign =
            ServerAdmin.foreignTenantDatabases(c, role, in.database()).stream()
                .filter(d -> !d.equals(ownFirstName))
                .toList();
        if (!foreign.isEmpty()) {
          throw StepFailure.of(
              FailureType.INVALID_STATE,
              "role "
                  + role
                  + " exists on server "
                  + in.targetServerId()
                  + " and may connect to another tenant's database ("
                  + String.join(", ", foreign)
                  + "); it is not adopted");
        }
      }
      ServerAdmin.ensureRole(c, owner, "NOLOGIN");
      ServerAdmin.ensureRole(
          c, credentials.username(), "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE");
      // The same password as at the source, as a SCRAM verifier computed here: it never reaches
      // the server's statement log, and the registry's encrypted copy stays valid.
      c.unwrap(PGConnection.class)
          .alterUserPassword(
              credentials.username(), credentials.password().toCharArray(), "scram-sha-256");
    } catch (SQLException e) {
      throw DatabaseFailures.of("prepare_move_target", in.tenantId(), e);
    }
  }

  void refuseSameCluster(String sourceServerId, String targetServerId, UUID tenantId) {
    if (sameCluster(sourceServerId, targetServerId)) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "database servers "
              + sourceServerId
              + " and "
              + targetServerId
              + " are the same PostgreSQL cluster; tenant "
              + tenantId
              + " is not moved (the copy would replace its own database)");
    }
  }

  /**
   * True when two server rows name the same cluster (roles are cluster-wide: a probe role made
   * through one is seen through the other). Two rows may name one cluster under different host
   * names; a move between them would drop the tenant's database to make room for its copy.
   */
  boolean sameCluster(String oneServerId, String otherServerId) {
    if (oneServerId == null || otherServerId == null) {
      return false;
    }
    if (oneServerId.equals(otherServerId)) {
      return true;
    }
    String probe =
        "taskifai_probe_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
    ServerAdmin one = admin(oneServerId);
    ServerAdmin other = admin(otherServerId);
    try (Connection c = one.maintenance().getConnection()) {
      ServerAdmin.execute(c, "CREATE ROLE " + probe + " NOLOGIN");
      try (Connection d = other.maintenance().getConnection()) {
        return ServerAdmin.roleExists(d, probe);
      } finally {
        ServerAdmin.execute(c, "DROP ROLE IF EXISTS " + probe);
      }
    } catch (SQLException e) {
      throw StepFailure.of(
          FailureType.UNAVAILABLE,
          "could not tell whether servers "
              + oneServerId
              + " and "
              + otherServerId
              + " are one cluster: "
              + e.getMessage());
    }
  }

  /** The owner of the source database (the role the dump's objects belong to). */
  String sourceOwner(MoveInput in) {
    ServerAdmin source = admin(in.sourceServerId());
    try (Connection c = source.maintenance().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = ?")) {
      ps.setString(1, in.database());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw StepFailure.of(
              FailureType.INVALID_STATE,
              "database " + in.database() + " is missing on server " + in.sourceServerId());
        }
        return rs.getString(1);
      }
    } catch (SQLException e) {
      throw DatabaseFailures.of("prepare_move_target", in.tenantId(), e);
    }
  }

  /** Creates the target database empty (dropping an earlier attempt's), as tenants' are. */
  void createEmpty(ServerAdmin target, MoveInput in, String owner, String app) {
    try {
      IsolatedDatabase.replace(target, in.database(), owner, app);
    } catch (SQLException e) {
      throw DatabaseFailures.of("prepare_move_target", in.tenantId(), e);
    }
  }

  CopyManifest manifestOf(ServerAdmin admin, MoveInput in) {
    try {
      PgPipes.Manifest m = PgPipes.manifest(admin, in.database());
      return new CopyManifest(m.schemaVersion(), m.rowCounts());
    } catch (SQLException e) {
      throw DatabaseFailures.of("verify_copy", in.tenantId(), e);
    }
  }

  /**
   * Drops the move's database on a server, then the tenant's roles there when no database of the
   * tenant is left on it and they reach no other tenant's database.
   */
  void dropDatabaseAndUnusedRoles(String serverId, MoveInput in, String step) {
    TenantDatabaseNames names = TenantDatabaseNames.of(in.tenantId());
    if (!in.database().startsWith(names.database())) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          in.database() + " is not a database of tenant " + in.tenantId());
    }
    ServerAdmin admin = admin(serverId);
    admin.release(in.database());
    try (Connection c = admin.maintenance().getConnection()) {
      String owner = names.ownerRole();
      try (PreparedStatement ps =
          c.prepareStatement("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = ?")) {
        ps.setString(1, in.database());
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            owner = rs.getString(1);
          }
        }
      }
      if (ServerAdmin.roleExists(c, owner)) {
        ServerAdmin.grantRoleToAdmin(c, owner);
      }
      ServerAdmin.execute(c, "DROP DATABASE IF EXISTS " + in.database() + " WITH (FORCE)");
      if (ServerAdmin.exists(
          c, "SELECT 1 FROM pg_database WHERE datname ~ ?", "^" + names.database())) {
        return; // another database of the tenant (a restore's copy) still needs its roles
      }
      for (String role : List.of(names.appRole(), owner)) {
        if (ServerAdmin.roleExists(c, role)
            && ServerAdmin.foreignTenantDatabases(c, role, "").isEmpty()) {
          ServerAdmin.execute(c, "DROP ROLE IF EXISTS " + role);
        }
      }
    } catch (SQLException e) {
      throw DatabaseFailures.of(step, in.tenantId(), e);
    }
    log.info("tenant {}: dropped {} on server {}", in.tenantId(), in.database(), serverId);
  }

  private ServerAdmin admin(String serverId) {
    return access.admin(serverId);
  }

  /**
   * The move's source read-only for new sessions (or writable and open to the app role again), the
   * app role's sessions ended; failures name {@code step}.
   */
  void fenceSource(MoveInput in, String appRole, boolean on, String step) {
    ServerAdmin source = access.admin(in.sourceServerId());
    try {
      if (!on) {
        SwapFence.open(source, in.database(), appRole);
      }
      SwapFence.readOnly(source, in.database(), sourceOwner(in), appRole, on);
    } catch (SQLException e) {
      throw DatabaseFailures.of(step, in.tenantId(), e);
    }
  }

  /**
   * The source after the swap: read-only (set again, in case) and CONNECT revoked for the app role,
   * its sessions ended. A source dropped already (retired) is done; a target on the source's
   * cluster is never closed (it is the tenant's own database).
   */
  void closeSource(MoveInput in, String appRole) {
    if (sameCluster(in.sourceServerId(), in.targetServerId())) {
      return;
    }
    ServerAdmin source = access.admin(in.sourceServerId());
    try {
      try (Connection c = source.maintenance().getConnection()) {
        if (!ServerAdmin.databaseExists(c, in.database())) {
          return;
        }
      }
      SwapFence.readOnly(source, in.database(), sourceOwner(in), appRole, true);
      SwapFence.close(source, in.database(), appRole);
    } catch (SQLException e) {
      throw DatabaseFailures.of("swap_server", in.tenantId(), e);
    }
  }
}
