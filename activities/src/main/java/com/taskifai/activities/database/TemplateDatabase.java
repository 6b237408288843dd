package com.taskifai.activities.database;

import com.taskifai.tenantschema.TenantSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fast path of create_database: one database per server, {@value #NAME}, kept at the current
 * tenant schema version, copied by {@code CREATE DATABASE ... TEMPLATE}. Its schema objects belong
 * to {@value #OWNER}; each copy hands them to the tenant's owner role with {@code REASSIGN OWNED}.
 * The template database itself belongs to the server admin, so that {@code REASSIGN OWNED}, which
 * also moves shared objects, never gives the template away.
 *
 * <p>PostgreSQL refuses to copy a database while anyone is connected to it, so every use (migrate,
 * copy) runs under one advisory lock per server, taken on a session of the maintenance database:
 * exclusive to migrate, shared to copy.
 */
public final class TemplateDatabase {
  static final String NAME = "tenant_template";
  static final String OWNER = "tenant_template_owner";

  private static final Logger log = LoggerFactory.getLogger(TemplateDatabase.class);
  // Any constant shared by every platform process; it spells "taskifai" in ASCII.
  private static final long LOCK_KEY = 0x7461736b69666169L;
  private static final long SESSION_WAIT_MILLIS = 10_000;

  /**
   * Servers whose template this process has brought to the current version, with the template's
   * migration history at that point (a fingerprint of versions and checksums).
   */
  private final Map<String, String> current = new ConcurrentHashMap<>();

  /** The Flyway locations of the tenant migrations. */
  private final java.util.List<String> locations;

  /** The template kept at the newest version of the tenant migrations in {@code locations}. */
  public TemplateDatabase(java.util.List<String> locations) {
    this.locations = locations;
  }

  /** The Flyway locations of the tenant migrations. */
  java.util.List<String> locations() {
    return locations;
  }

  TemplateDatabase() {
    this(TenantSchema.DEFAULT_LOCATIONS);
  }

  /**
   * Creates {@code database} owned by {@code owner} as a copy of the template, isolated for {@code
   * connect} ({@link IsolatedDatabase#create}), creating or migrating the template first when it is
   * absent or behind. Copies of a template this process knows current share the lock (PostgreSQL
   * copies one template into several databases at once); bringing the template up to date takes it
   * alone.
   */
  void copyTo(
      ServerAdmin admin,
      Connection session,
      String database,
      String owner,
      java.util.List<String> connect)
      throws SQLException {
    boolean shared =
        current.containsKey(admin.serverId()) && ServerAdmin.databaseExists(session, NAME);
    String lock = shared ? "pg_advisory_lock_shared" : "pg_advisory_lock";
    String unlock = shared ? "pg_advisory_unlock_shared" : "pg_advisory_unlock";
    ServerAdmin.execute(session, "SELECT " + lock + "(" + LOCK_KEY + ")");
    try {
      if (!shared) {
        ensureCurrent(admin, session);
      }
      awaitNoSessions(session);
      IsolatedDatabase.create(session, database, owner, NAME, connect);
    } finally {
      ServerAdmin.execute(session, "SELECT " + unlock + "(" + LOCK_KEY + ")");
    }
  }

  /**
   * Brings the template of the server to the newest migrations under the exclusive lock (creating
   * it when absent), as the first phase of a fleet rollout does.
   *
   * @return the template's schema version afterwards
   */
  String migrate(ServerAdmin admin) throws SQLException {
    try (Connection session = admin.maintenance().getConnection()) {
      ServerAdmin.execute(session, "SELECT pg_advisory_lock(" + LOCK_KEY + ")");
      try {
        current.remove(admin.serverId());
        ensureCurrent(admin, session);
        return TenantSchema.currentVersion(admin.unpooled(NAME));
      } finally {
        ServerAdmin.execute(session, "SELECT pg_advisory_unlock(" + LOCK_KEY + ")");
      }
    }
  }

  /**
   * Gives the template owner's objects in a copy to the tenant's owner role. A database that holds
   * nothing of the template owner (made without the template, or already reassigned) is untouched.
   */
  void handOver(Connection maintenance, Connection database, String owner) throws SQLException {
    if (ServerAdmin.roleExists(maintenance, OWNER)) {
      ServerAdmin.execute(database, "REASSIGN OWNED BY " + OWNER + " TO " + owner);
    }
  }

  private void ensureCurrent(ServerAdmin admin, Connection session) throws SQLException {
    boolean exists = ServerAdmin.databaseExists(session, NAME);
    if (exists && current.containsKey(admin.serverId())) {
      return;
    }
    ServerAdmin.ensureRole(session, OWNER, "NOLOGIN");
    ServerAdmin.grantRoleToAdmin(session, OWNER);
    if (!exists) {
      IsolatedDatabase.create(session, NAME, null, null, java.util.List.of());
    }
    try (Connection c = admin.unpooled(NAME).getConnection()) {
      // The template owner creates the schema objects, so public must be its to create in.
      ServerAdmin.execute(c, "ALTER SCHEMA public OWNER TO " + OWNER);
    }
    int applied = TenantSchema.migrate(admin.unpooled(NAME), OWNER, locations, null).applied();
    log.info(
        "tenant template on server {} is current ({} migrations applied)",
        admin.serverId(),
        applied);
    try (Connection c = admin.unpooled(NAME).getConnection()) {
      current.put(admin.serverId(), history(c));
    }
  }

  /**
   * True when {@code database} holds exactly the migration history of a template this process
   * brought to the current version: Flyway would find nothing to do there, so the schema step can
   * skip its (slow) classpath scan and validation.
   */
  boolean isCurrentCopy(ServerAdmin admin, DataSource database) {
    String template = current.get(admin.serverId());
    if (template == null) {
      return false;
    }
    try (Connection c = database.getConnection()) {
      return template.equals(history(c));
    } catch (SQLException e) {
      return false; // no history table, or no database: let Flyway look
    }
  }

  private static String history(Connection c) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT coalesce(string_agg(version || ':' || coalesce(checksum, 0), ','"
                    + " ORDER BY installed_rank), '') FROM flyway_schema_history WHERE success")) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** Waits until no other session is connected to the template (Flyway closes its own lazily). */
  private static void awaitNoSessions(Connection session) throws SQLException {
    long deadline = System.currentTimeMillis() + SESSION_WAIT_MILLIS;
    while (true) {
      try (PreparedStatement ps =
          session.prepareStatement(
              "SELECT count(*) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()")) {
        ps.setString(1, NAME);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getInt(1) == 0 || System.currentTimeMillis() > deadline) {
            return;
          }
        }
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SQLException("interrupted while waiting for the tenant template", e);
      }
    }
  }
}
