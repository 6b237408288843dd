package com.taskifai.activities.database;

import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.crypto.CredentialCipher;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The admin account of one database server (a {@code database_servers} row), with the password
 * decrypted in memory only. Sessions come from {@link AdminConnectionPools}, except on the template
 * database ({@link #unpooled}), which must be left without sessions.
 */
final class ServerAdmin {
  private final DatabaseServers.Server server;
  private final String password;
  private final AdminConnectionPools pools;

  ServerAdmin(DatabaseServers.Server server, CredentialCipher cipher, AdminConnectionPools pools) {
    this.server = server;
    this.password = server.adminPassword(cipher);
    this.pools = pools;
  }

  String serverId() {
    return server.id();
  }

  /** The server row's JDBC URL (any database of the cluster). */
  String jdbcUrl() {
    return server.jdbcUrl();
  }

  String username() {
    return server.adminUsername();
  }

  /** The decrypted admin password, for a client program's environment only. */
  String password() {
    return password;
  }

  /** The database the server row names (usually {@code postgres}). */
  DataSource maintenance() {
    return pools.dataSource(server.jdbcUrl(), server.adminUsername(), password);
  }

  /** Another database of the same server, as the admin, on pooled sessions. */
  DataSource database(String name) {
    return pools.dataSource(
        TenantDatabaseNames.jdbcUrl(server.jdbcUrl(), name), server.adminUsername(), password);
  }

  /** As {@link #database}, with a new session on each call, closed by its user. */
  DataSource unpooled(String name) {
    return dataSource(TenantDatabaseNames.jdbcUrl(server.jdbcUrl(), name));
  }

  /**
   * Ends the pooled sessions on {@code name} (before it is dropped, or once its steps are done).
   */
  void release(String name) {
    pools.evict(TenantDatabaseNames.jdbcUrl(server.jdbcUrl(), name));
  }

  private DataSource dataSource(String url) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl(url);
    ds.setUser(server.adminUsername());
    if (password != null && !password.isEmpty()) {
      ds.setPassword(password);
    }
    ds.setConnectTimeout(10);
    ds.setApplicationName("taskifai-provisioning");
    return pools.traced(ds);
  }

  static void execute(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  static boolean exists(Connection c, String sql, String param) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, param);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  static boolean roleExists(Connection c, String role) throws SQLException {
    return exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", role);
  }

  static boolean databaseExists(Connection c, String database) throws SQLException {
    return exists(c, "SELECT 1 FROM pg_database WHERE datname = ?", database);
  }

  /**
   * The tenant databases other than {@code ownDatabase} that {@code role} may connect to (as owner,
   * by a grant, or through a role it belongs to); empty when the role does not exist. A tenant's
   * role that can reach another tenant's database is not that tenant's to adopt or drop.
   */
  static java.util.List<String> foreignTenantDatabases(
      Connection c, String role, String ownDatabase) throws SQLException {
    java.util.List<String> found = new java.util.ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT d.datname FROM pg_database d, pg_roles r"
                + " WHERE r.rolname = ? AND d.datname ~ '^tenant_[0-9a-f]{32}$'"
                + " AND d.datname <> ? AND has_database_privilege(r.oid, d.oid, 'CONNECT')"
                // Not through PUBLIC alone: a tenant database is connectable by PUBLIC for the
                // moment between its CREATE DATABASE and the REVOKE, which makes no role foreign.
                + " AND (pg_has_role(r.oid, d.datdba, 'MEMBER') OR EXISTS (SELECT 1 FROM"
                + " aclexplode(d.datacl) a WHERE a.privilege_type = 'CONNECT' AND a.grantee <> 0"
                + " AND pg_has_role(r.oid, a.grantee, 'MEMBER')))"
                + " ORDER BY d.datname")) {
      ps.setString(1, role);
      ps.setString(2, ownDatabase);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          found.add(rs.getString(1));
        }
      }
    }
    return found;
  }

  /** Creates a role unless it exists; a concurrent creator winning the race is fine. */
  static void ensureRole(Connection c, String role, String options) throws SQLException {
    if (roleExists(c, role)) {
      execute(c, "ALTER ROLE " + role + " " + options);
      return;
    }
    try {
      execute(c, "CREATE ROLE " + role + " " + options);
    } catch (SQLException e) {
      if (!"42710".equals(e.getSQLState())) { // duplicate_object
        throw e;
      }
    }
  }

  /**
   * Makes the connected admin a member of {@code role}, so it can create objects as that role
   * ({@code SET ROLE}) and give it databases. A superuser needs nothing.
   */
  static void grantRoleToAdmin(Connection c, String role) throws SQLException {
    boolean superuser;
    int version;
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT rolsuper, current_setting('server_version_num')::int"
                    + " FROM pg_roles WHERE rolname = current_user")) {
      rs.next();
      superuser = rs.getBoolean(1);
      version = rs.getInt(2);
    }
    if (superuser) {
      return;
    }
    // PostgreSQL 16 grants a CREATEROLE creator ADMIN OPTION only; SET and INHERIT must be asked
    // for.
    execute(
        c,
        "GRANT "
            + role
            + " TO CURRENT_USER"
            + (version >= 160000 ? " WITH INHERIT TRUE, SET TRUE" : ""));
  }
}
