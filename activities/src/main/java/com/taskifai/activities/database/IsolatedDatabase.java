package com.taskifai.activities.database;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * The one way the platform makes a database that only named roles reach, and changes who reaches
 * it. PostgreSQL gives PUBLIC (every role) CONNECT and TEMPORARY on each new database, so a
 * database made without the revoke would be open to every tenant's login role on the server.
 * Isolating takes every right from PUBLIC and then grants CONNECT to exactly the named roles; the
 * owner, superusers and roles granted CONNECT before keep their rights. Every statement runs on the
 * caller's session (of the server's maintenance database, as its admin).
 */
final class IsolatedDatabase {
  /** The template of an empty database: template0 holds nothing that template1 may have gained. */
  static final String EMPTY = "template0";

  private IsolatedDatabase() {}

  /**
   * Creates {@code name} owned by {@code owner} (the session's role when null) as a copy of {@code
   * template} (the server's default when null), then isolates it for {@code connect}. Fails when
   * the database exists; a retry after a failure between the statements finds it and calls {@link
   * #isolate}.
   */
  static void create(Connection c, String name, String owner, String template, List<String> connect)
      throws SQLException {
    ServerAdmin.execute(
        c,
        "CREATE DATABASE "
            + name
            + (owner == null ? "" : " OWNER " + owner)
            + (template == null ? "" : " TEMPLATE " + template));
    isolate(c, name, connect);
  }

  /**
   * Takes every right on {@code name} from PUBLIC and grants CONNECT to the {@code connect} roles
   * (none: only the owner and superusers may connect). Idempotent.
   */
  static void isolate(Connection c, String name, List<String> connect) throws SQLException {
    ServerAdmin.execute(c, "REVOKE ALL ON DATABASE " + name + " FROM PUBLIC");
    if (!connect.isEmpty()) {
      grantConnect(c, name, connect);
    }
  }

  /**
   * Creates {@code name} empty, owned by {@code owner} and reachable by it and {@code appRole}
   * only, after dropping (and ending the sessions on) the one an earlier attempt left. A second
   * call starts again from nothing.
   */
  static void replace(ServerAdmin admin, String name, String owner, String appRole)
      throws SQLException {
    admin.release(name);
    try (Connection c = admin.maintenance().getConnection()) {
      ServerAdmin.grantRoleToAdmin(c, owner);
      ServerAdmin.execute(c, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      create(c, name, owner, EMPTY, List.of(owner, appRole));
    }
  }

  /** Lets {@code roles} connect to {@code name} (again). Idempotent. */
  static void grantConnect(Connection c, String name, List<String> roles) throws SQLException {
    ServerAdmin.execute(c, "GRANT CONNECT ON DATABASE " + name + " TO " + String.join(", ", roles));
  }

  /**
   * Takes CONNECT on {@code name} from {@code role}; its open sessions stay until ended.
   * Idempotent.
   */
  static void revokeConnect(Connection c, String name, String role) throws SQLException {
    ServerAdmin.execute(c, "REVOKE CONNECT ON DATABASE " + name + " FROM " + role);
  }
}
