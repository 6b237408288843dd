package com.taskifai.activities.database;

import static com.taskifai.activities.database.ReplicationScope.NAME;
import static com.taskifai.activities.database.ReplicationScope.name;
import static com.taskifai.activities.database.ReplicationSql.REPLICATED_DATABASES;
import static com.taskifai.activities.database.ReplicationSql.TENANT_DATABASE;
import static com.taskifai.activities.database.ReplicationSql.dropSlots;
import static com.taskifai.activities.database.ReplicationSql.exists;
import static com.taskifai.activities.database.ReplicationSql.writable;

import com.taskifai.tenantschema.TrialSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * What online moves and promotions left on a server (for the fleet reconciler): subscriptions,
 * replication slots, publications and roles named {@code taskifai_move_<32 hex>}, and their drop.
 */
final class ReplicationLeftovers {
  /**
   * What online moves left on a server, by move name: the subscriptions, replication slots (with
   * the WAL they hold back), publications (found through the move role's databases) and roles named
   * like a move's. For the fleet reconciler; reads only.
   */
  Map<String, List<String>> leftovers(ServerAdmin admin) throws SQLException {
    Map<String, List<String>> found = new TreeMap<>();
    List<String[]> publicationDatabases = new ArrayList<>();
    try (Connection c = admin.maintenance().getConnection()) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT s.subname, d.datname FROM pg_subscription s"
                  + " JOIN pg_database d ON d.oid = s.subdbid WHERE s.subname ~ ?")) {
        ps.setString(1, NAME.pattern());
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            add(found, rs.getString(1), "subscription in " + rs.getString(2));
          }
        }
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT slot_name, database, coalesce((pg_current_wal_lsn() - restart_lsn)::bigint,"
                  + " 0) FROM pg_replication_slots WHERE slot_name ~ ?")) {
        ps.setString(1, NAME.pattern());
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            add(
                found,
                rs.getString(1),
                "replication slot in "
                    + rs.getString(2)
                    + " holding "
                    + rs.getLong(3)
                    + " bytes of WAL");
          }
        }
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT r.rolname, d.datname FROM pg_roles r LEFT JOIN pg_database d"
                  + " ON d.datname ~ '"
                  + REPLICATED_DATABASES
                  + "' AND has_database_privilege(r.oid, d.oid, 'CONNECT')"
                  + " AND NOT pg_has_role(r.oid, d.datdba, 'MEMBER') WHERE r.rolname ~ ?")) {
        ps.setString(1, NAME.pattern());
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            add(found, rs.getString(1), "role");
            if (rs.getString(2) != null) {
              publicationDatabases.add(new String[] {rs.getString(1), rs.getString(2)});
            }
          }
        }
      }
    }
    java.util.Set<String> listed = new java.util.HashSet<>();
    for (String[] p : publicationDatabases) {
      try (Connection c = admin.unpooled(p[1]).getConnection()) {
        if (ServerAdmin.exists(c, "SELECT 1 FROM pg_publication WHERE pubname = ?", p[0])) {
          add(found, p[0], "publication in " + p[1]);
          listed.add(p[0] + "\n" + p[1]);
        }
      }
    }
    // A promotion's publication in the shared trial database outlives its role when the role went
    // first (by hand, or a stop that died half-way): found by name, since no grant leads to it.
    if (exists(admin, TrialSchema.DATABASE)) {
      for (String name : sharedPublications(admin)) {
        if (listed.add(name + "\n" + TrialSchema.DATABASE)) {
          add(found, name, "publication in " + TrialSchema.DATABASE);
        }
      }
    }
    return found;
  }

  /** The publications named like a move's in the server's shared trial database. */
  private List<String> sharedPublications(ServerAdmin admin) throws SQLException {
    List<String> names = new ArrayList<>();
    try (Connection c = admin.unpooled(TrialSchema.DATABASE).getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT pubname FROM pg_publication WHERE pubname ~ ? ORDER BY 1")) {
      ps.setString(1, NAME.pattern());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          names.add(rs.getString(1));
        }
      }
    }
    return names;
  }

  /**
   * Drops what online move {@code name} left on one server (the reconciler's removal): its
   * subscription (detached from its slot, which may be on a server that is gone), its slots and
   * those of its databases' table copies, its publication and its role. A second call is a no-op.
   */
  void dropLeftovers(ServerAdmin admin, String name) throws SQLException {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(name + " is not an online move's name");
    }
    UUID tenantId = TenantDatabaseNames.idOfHex(NAME.matcher(name).replaceFirst("$1"));
    String database = TenantDatabaseNames.of(tenantId).database();
    List<String> subscriptionDatabases = new ArrayList<>();
    List<Long> subscriptions = new ArrayList<>();
    try (Connection c = admin.maintenance().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT d.datname, s.oid::bigint FROM pg_subscription s JOIN pg_database d"
                    + " ON d.oid = s.subdbid WHERE s.subname = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          subscriptionDatabases.add(rs.getString(1));
          subscriptions.add(rs.getLong(2));
        }
      }
    }
    for (String db : subscriptionDatabases) {
      try (Connection c = admin.unpooled(db).getConnection()) {
        ServerAdmin.execute(c, "ALTER SUBSCRIPTION " + name + " DISABLE");
        ServerAdmin.execute(c, "ALTER SUBSCRIPTION " + name + " SET (slot_name = NONE)");
        ServerAdmin.execute(c, "DROP SUBSCRIPTION " + name);
      }
    }
    List<String> databases = new ArrayList<>();
    try (Connection c = admin.maintenance().getConnection()) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT DISTINCT database FROM pg_replication_slots WHERE slot_name = ?"
                  + " UNION SELECT d.datname FROM pg_roles r JOIN pg_database d"
                  + " ON d.datname ~ '"
                  + REPLICATED_DATABASES
                  + "' AND has_database_privilege(r.oid, d.oid, 'CONNECT')"
                  + " AND NOT pg_has_role(r.oid, d.datdba, 'MEMBER') WHERE r.rolname = ?")) {
        ps.setString(1, name);
        ps.setString(2, name);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            databases.add(rs.getString(1));
          }
        }
      }
    }
    if (!databases.contains(database)) {
      databases.add(database);
    }
    // A promotion's publication may be left in the shared trial database with no slot or role
    // leading there; only objects of this name are dropped in it.
    if (!databases.contains(TrialSchema.DATABASE)) {
      databases.add(TrialSchema.DATABASE);
    }
    for (String db : databases) {
      boolean exists;
      try (Connection c = admin.maintenance().getConnection()) {
        exists = ServerAdmin.databaseExists(c, db);
      }
      if (exists) {
        dropSlots(admin, db, TENANT_DATABASE.matcher(db).matches() ? null : name, subscriptions);
        try (Connection c = writable(admin, db)) {
          ServerAdmin.execute(c, "DROP PUBLICATION IF EXISTS " + name);
          try (Connection m = admin.maintenance().getConnection()) {
            if (ServerAdmin.roleExists(m, name)) {
              ServerAdmin.execute(c, "DROP OWNED BY " + name);
              IsolatedDatabase.revokeConnect(m, db, name);
            }
          }
        }
      }
    }
    try (Connection c = admin.maintenance().getConnection()) {
      ServerAdmin.execute(c, "DROP ROLE IF EXISTS " + name);
    }
  }

  private static void add(Map<String, List<String>> found, String name, String what) {
    found.computeIfAbsent(name, k -> new ArrayList<>()).add(what);
  }
}
