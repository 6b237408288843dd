package com.taskifai.activities.database;

import com.taskifai.registry.DatabaseServers;
import com.taskifai.tenantschema.TrialSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a database server holds that is named like a tenant's ({@link TenantDatabaseNames}), and the
 * two drops the fleet reconciler may do. The template database and its owner do not match the
 * tenant patterns and are never listed.
 */
public final class TenantDatabaseInventory {
  private final ServerAccess access;
  private final ReplicationLeftovers replication;

  public TenantDatabaseInventory(ServerAccess access) {
    this(access, OnlineReplication.create());
  }

  public TenantDatabaseInventory(ServerAccess access, OnlineReplication replication) {
    this.access = access;
    this.replication = replication.leftovers();
  }

  /**
   * The tenant-named objects of one server.
   *
   * @param databases tenant databases ({@code tenant_<32 hex>})
   * @param roles tenant roles (current and earlier naming), each with the tenant databases it may
   *     connect to
   */
  public record Catalogue(List<String> databases, Map<String, List<String>> roles) {}

  /** Reads the server's catalogue. */
  public Catalogue list(DatabaseServers.Server server) throws SQLException {
    ServerAdmin admin = access.admin(server);
    List<String> databases = new ArrayList<>();
    Map<String, List<String>> roles = new LinkedHashMap<>();
    try (Connection c = admin.maintenance().getConnection()) {
      try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT datname FROM pg_database WHERE datname ~ ? ORDER BY datname");
          ResultSet rs = query(ps, TenantDatabaseNames.DATABASE.pattern())) {
        while (rs.next()) {
          databases.add(rs.getString(1));
        }
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT r.rolname, COALESCE(array_agg(d.datname ORDER BY d.datname)"
                  + "   FILTER (WHERE d.datname IS NOT NULL), '{}')"
                  + " FROM pg_roles r LEFT JOIN pg_database d"
                  + "   ON d.datname ~ '^tenant_[0-9a-f]{32}$'"
                  + "   AND has_database_privilege(r.oid, d.oid, 'CONNECT')"
                  + " WHERE r.rolname ~ ? OR r.rolname ~ ?"
                  + " GROUP BY r.rolname ORDER BY r.rolname")) {
        ps.setString(1, TenantDatabaseNames.ROLE.pattern());
        ps.setString(2, TenantDatabaseNames.LEGACY_ROLE.pattern());
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String[] reach = (String[]) rs.getArray(2).getArray();
            roles.put(rs.getString(1), List.of(reach));
          }
        }
      }
    }
    return new Catalogue(databases, roles);
  }

  /** The size in bytes ({@code pg_database_size}) of every database of the server, by name. */
  public Map<String, Long> databaseSizes(DatabaseServers.Server server) throws SQLException {
    ServerAdmin admin = access.admin(server);
    Map<String, Long> sizes = new LinkedHashMap<>();
    try (Connection c = admin.maintenance().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT datname, pg_database_size(oid) FROM pg_database"
                    + " WHERE datallowconn AND has_database_privilege(oid, 'CONNECT')");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        sizes.put(rs.getString(1), rs.getLong(2));
      }
    }
    return sizes;
  }

  /**
   * What leaves the server's shared trial database unscoped ({@link TrialSchema#isolationGaps}):
   * empty when the server has none or every table is isolated.
   */
  public List<String> trialIsolationGaps(DatabaseServers.Server server) throws SQLException {
    ServerAdmin admin = access.admin(server);
    try (Connection c = admin.maintenance().getConnection()) {
      if (!ServerAdmin.databaseExists(c, TrialSchema.DATABASE)) {
        return List.of();
      }
    }
    try (Connection c = admin.database(TrialSchema.DATABASE).getConnection()) {
      return TrialSchema.isolationGaps(c);
    } finally {
      admin.release(TrialSchema.DATABASE);
    }
  }

  /**
   * The bytes of the server's shared trial database that are each trial's own ({@link
   * TrialSchema#rowShares}); empty when the server has no trial database.
   */
  public Map<java.util.UUID, Long> trialRowShares(
      DatabaseServers.Server server, List<java.util.UUID> trials) throws SQLException {
    ServerAdmin admin = access.admin(server);
    try (Connection c = admin.maintenance().getConnection()) {
      if (!ServerAdmin.databaseExists(c, TrialSchema.DATABASE)) {
        return Map.of();
      }
    }
    try {
      return TrialSchema.rowShares(admin.database(TrialSchema.DATABASE), trials);
    } finally {
      admin.release(TrialSchema.DATABASE);
    }
  }

  /** Ends the sessions on a tenant-named database and drops it; a database that is gone is done. */
  public void dropDatabase(DatabaseServers.Server server, String database) throws SQLException {
    if (!TenantDatabaseNames.DATABASE.matcher(database).matches()) {
      throw new IllegalArgumentException(database + " is not a tenant database name");
    }
    ServerAdmin admin = access.admin(server);
    admin.release(database);
    try (Connection c = admin.maintenance().getConnection()) {
      String owner = null;
      try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = ?");
          ResultSet rs = query(ps, database)) {
        if (rs.next()) {
          owner = rs.getString(1);
        }
      }
      if (owner == null) {
        return;
      }
      // An admin that is no superuser may drop a database only with its owner's privileges.
      if (!owner.equals(server.adminUsername())) {
        ServerAdmin.grantRoleToAdmin(c, owner);
      }
      ServerAdmin.execute(c, "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }
  }

  /**
   * Drops a tenant-named role; PostgreSQL refuses (SQLSTATE 2BP01) while the role still owns a
   * database or holds a privilege on one, which the caller reports.
   */
  public void dropRole(DatabaseServers.Server server, String role) throws SQLException {
    if (!TenantDatabaseNames.ROLE.matcher(role).matches()
        && !TenantDatabaseNames.LEGACY_ROLE.matcher(role).matches()) {
      throw new IllegalArgumentException(role + " is not a tenant role name");
    }
    ServerAdmin admin = access.admin(server);
    try (Connection c = admin.maintenance().getConnection()) {
      ServerAdmin.execute(c, "DROP ROLE IF EXISTS " + role);
    }
  }

  /**
   * What online moves left on the server, by move name ({@code taskifai_move_<32 hex>}): its
   * subscription, replication slot (with the WAL it holds back), publication and role, described.
   */
  public Map<String, List<String>> moveReplication(DatabaseServers.Server server)
      throws SQLException {
    return replication.leftovers(access.admin(server));
  }

  /** Drops what the online move {@code name} left on the server; what is gone is done. */
  public void dropMoveReplication(DatabaseServers.Server server, String name) throws SQLException {
    replication.dropLeftovers(access.admin(server), name);
  }

  /** The tenant an online move's name ({@code taskifai_move_<32 hex>}) is for; empty otherwise. */
  public static java.util.Optional<java.util.UUID> moveTenant(String name) {
    java.util.regex.Matcher m = ReplicationScope.NAME.matcher(name);
    return m.matches()
        ? java.util.Optional.of(TenantDatabaseNames.idOfHex(m.group(1)))
        : java.util.Optional.empty();
  }

  private static ResultSet query(PreparedStatement ps, String param) throws SQLException {
    ps.setString(1, param);
    return ps.executeQuery();
  }
}
