package com.taskifai.activities.database;

import com.taskifai.activities.CurrentActivity;
import com.taskifai.activities.StepFailure;
import com.taskifai.registry.OnlineMoves;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.ports.MoveActivities.ReplicationLag;
import io.temporal.activity.Activity;
import java.net.URI;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The logical replication of an online move, between the source database and its copy of the same
 * name on the target: on the source a temporary {@code LOGIN REPLICATION BYPASSRLS} role (the
 * tables' row level security would hide rows from the initial copy), a publication for all tables
 * and a slot; on the target a subscription that logs in as that role. All four carry one name per
 * tenant, {@code taskifai_move_<32 hex>} ({@link #NAME}), so a retried step, an undo and the
 * reconciler find them; a tenant runs one move at a time (the operation claim).
 *
 * <p>A promotion replicates the same way, with a {@link Scope} of its own: out of the server's
 * shared trial database into the tenant's new database on the same server, only the listed tenant
 * tables and, through a row filter on {@code tenant_id} (PostgreSQL 15+), only the promoted trial's
 * rows; its slot and role are the only ones of that database it ever drops.
 *
 * <p>The role's password is made here, handed to the source as a SCRAM verifier and to the target
 * inside the subscription's connection string (PostgreSQL keeps it in {@code pg_subscription},
 * which only superusers read, until {@link #stop} drops the subscription); the session that creates
 * the subscription logs no statement text. It is never returned, logged or put in workflow input.
 */
final class LogicalReplication {
  private static final Logger log = LoggerFactory.getLogger(LogicalReplication.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** The name of a move's role, publication, slot and subscription: group 1 is the tenant id. */
  static final Pattern NAME = Pattern.compile("^taskifai_move_([0-9a-f]{32})$");

  /** A tenant's own database, whose every replication slot is its move's. */
  private static final Pattern TENANT_DATABASE = Pattern.compile("^tenant_[0-9a-f]{32}$");

  /** The databases a move's or promotion's role may be granted (a regular expression). */
  private static final String REPLICATED_DATABASES =
      "^(tenant_[0-9a-f]{32}|" + com.taskifai.tenantschema.TrialSchema.DATABASE + ")$";

  /** The lag under which the catch-up ends and the move holds writes. */
  static final long CAUGHT_UP_BYTES = 1L << 20;

  /** How long one catch_up call waits before it reports back to the workflow. */
  static final Duration CATCH_UP_CALL = Duration.ofSeconds(10);

  /** How long await_zero_lag waits for the last writes to arrive, writes held. */
  static final Duration ZERO_LAG_LIMIT = Duration.ofSeconds(40);

  /** How long the role's password is accepted; a move that takes longer starts again. */
  static final Duration ROLE_VALID_FOR = Duration.ofDays(7);

  private LogicalReplication() {}

  /**
   * What one replication copies: from {@code sourceDatabase} into {@code targetDatabase} every
   * table (a move: {@code tables} empty, {@code trial} null), or the rows of trial {@code trial} in
   * the listed tables (a promotion out of the shared trial database, whose other trials' rows and
   * slots it never touches).
   */
  record Scope(String sourceDatabase, String targetDatabase, List<String> tables, UUID trial) {
    /** A move's: the whole database, of the same name on both servers. */
    static Scope database(String database) {
      return new Scope(database, database, List.of(), null);
    }

    /** A promotion's: one trial's rows of {@code tables} into its new database. */
    static Scope trial(String sourceDatabase, String targetDatabase, List<String> tables, UUID id) {
      return new Scope(sourceDatabase, targetDatabase, List.copyOf(tables), id);
    }

    boolean shared() {
      return trial != null;
    }
  }

  /** The name of the tenant's move objects. */
  static String name(UUID tenantId) {
    return "taskifai_move_" + TenantDatabaseNames.hex(tenantId);
  }

  /**
   * Why the move cannot copy online (in words that say what to change); empty when it can. Reads
   * only.
   */
  static Optional<String> refusal(ServerAdmin source, ServerAdmin target, String database)
      throws SQLException {
    return refusal(source, target, Scope.database(database));
  }

  /**
   * Why {@code scope} cannot be replicated (in words that say what to change); empty when it can. A
   * trial's rows need row filters (PostgreSQL 15). Reads only.
   */
  static Optional<String> refusal(ServerAdmin source, ServerAdmin target, Scope scope)
      throws SQLException {
    String database = scope.sourceDatabase();
    try (Connection c = source.maintenance().getConnection()) {
      Optional<String> why = OnlineMoves.sourceRefusal(c);
      if (why.isPresent()) {
        return Optional.of("source server " + source.serverId() + ": " + why.get());
      }
      if (scope.shared()
          && Integer.parseInt(PgPipes.single(c, "SHOW server_version_num")) < 150000) {
        return Optional.of(
            "server "
                + source.serverId()
                + " runs PostgreSQL "
                + PgPipes.single(c, "SHOW server_version")
                + ": copying one trial's rows online needs row filters (PostgreSQL 15 or newer)");
      }
    }
    try (Connection c = target.maintenance().getConnection()) {
      Optional<String> why = OnlineMoves.targetRefusal(c);
      if (why.isPresent()) {
        return Optional.of("target server " + target.serverId() + ": " + why.get());
      }
    }
    List<String> noKey = new ArrayList<>();
    try (Connection c = source.unpooled(database).getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT c.oid::regclass::text FROM pg_class c"
                    + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog',"
                    + " 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"
                    + " AND (cardinality(?::text[]) = 0 OR c.oid::regclass::text = ANY (?::text[]))"
                    + " AND c.relreplident <> 'f' AND NOT EXISTS (SELECT 1 FROM pg_index i"
                    + " WHERE i.indrelid = c.oid AND i.indisprimary) ORDER BY 1")) {
      java.sql.Array tables = c.createArrayOf("text", scope.tables().toArray());
      ps.setArray(1, tables);
      ps.setArray(2, tables);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          noKey.add(rs.getString(1));
        }
      }
    }
    if (!noKey.isEmpty()) {
      return Optional.of(
          "tables without a primary key ("
              + String.join(", ", noKey)
              + ") could not be updated while published: add one");
    }
    return Optional.empty();
  }

  /**
   * Starts the replication from scratch: whatever an earlier attempt left is dropped, then the
   * role, the grants, the publication and the slot on the source, then the subscription on the
   * target, enabled and refreshed with {@code copy_data} (every table copied, then streamed).
   */
  static void start(ServerAdmin source, ServerAdmin target, String database, UUID tenantId)
      throws SQLException {
    start(source, target, Scope.database(database), tenantId);
  }

  /**
   * Starts the replication of {@code scope} from scratch, as {@link #start(ServerAdmin,
   * ServerAdmin, String, UUID)}; a trial's publication lists its tables, each with the row filter
   * {@code tenant_id = trial}, and its role may read those tables only.
   */
  static void start(ServerAdmin source, ServerAdmin target, Scope scope, UUID tenantId)
      throws SQLException {
    String database = scope.sourceDatabase();
    stop(source, target, scope, tenantId);
    String name = name(tenantId);
    byte[] secret = new byte[24];
    RANDOM.nextBytes(secret);
    String password = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    try (Connection c = source.maintenance().getConnection()) {
      ServerAdmin.ensureRole(
          c,
          name,
          "LOGIN REPLICATION BYPASSRLS NOSUPERUSER NOCREATEDB NOCREATEROLE CONNECTION LIMIT 10"
              + " VALID UNTIL '"
              + Instant.now().plus(ROLE_VALID_FOR)
              + "'");
      c.unwrap(PGConnection.class).alterUserPassword(name, password.toCharArray(), "scram-sha-256");
      IsolatedDatabase.grantConnect(c, database, List.of(name));
    }
    try (Connection c = writable(source, database);
        Statement st = c.createStatement()) {
      if (scope.shared()) {
        st.execute("GRANT USAGE ON SCHEMA public TO " + name);
        List<String> published = new ArrayList<>();
        for (String table : scope.tables()) {
          st.execute("GRANT SELECT ON " + quote(table) + " TO " + name);
          published.add(quote(table) + " WHERE (tenant_id = '" + scope.trial() + "'::uuid)");
        }
        st.execute("CREATE PUBLICATION " + name + " FOR TABLE " + String.join(", ", published));
      } else {
        for (String schema : userSchemas(c)) {
          st.execute("GRANT USAGE ON SCHEMA " + quote(schema) + " TO " + name);
          st.execute("GRANT SELECT ON ALL TABLES IN SCHEMA " + quote(schema) + " TO " + name);
        }
        st.execute("CREATE PUBLICATION " + name + " FOR ALL TABLES");
      }
      st.execute("SELECT pg_create_logical_replication_slot('" + name + "', 'pgoutput')");
    }
    URI at = URI.create(source.jdbcUrl().substring("jdbc:".length()));
    String conninfo =
        "host="
            + at.getHost()
            + " port="
            + (at.getPort() < 0 ? 5432 : at.getPort())
            + " dbname="
            + database
            + " user="
            + name
            + " password="
            + password
            + " application_name="
            + name;
    try (Connection c = target.unpooled(scope.targetDatabase()).getConnection();
        Statement st = c.createStatement()) {
      // The statement carries the password: this session logs no statement text, not even of
      // an error.
      st.execute("SET log_statement = 'none'");
      st.execute("SET log_min_error_statement = 'panic'");
      st.execute("SET log_min_duration_statement = -1");
      st.execute(
          "CREATE SUBSCRIPTION "
              + name
              + " CONNECTION '"
              + conninfo.replace("\\", "\\\\").replace("'", "\\'")
              + "' PUBLICATION "
              + name
              + " WITH (connect = false"
              + (runsAsTableOwner(c) ? ", run_as_owner = true" : "")
              + ")");
      st.execute("ALTER SUBSCRIPTION " + name + " ENABLE");
      st.execute("ALTER SUBSCRIPTION " + name + " REFRESH PUBLICATION WITH (copy_data = true)");
    }
    log.info(
        "tenant {}: replicating {} from {} to {} on {}",
        tenantId,
        database,
        source.serverId(),
        scope.targetDatabase(),
        target.serverId());
  }

  /**
   * Drops the move's subscription (with its slots), the slots of the source database still there,
   * the publication and the role. What is not there is skipped; a second call is a no-op.
   */
  static void stop(ServerAdmin source, ServerAdmin target, String database, UUID tenantId)
      throws SQLException {
    stop(source, target, Scope.database(database), tenantId);
  }

  /**
   * Drops what {@link #start(ServerAdmin, ServerAdmin, Scope, UUID)} made for {@code scope}. In a
   * shared source database only this replication's slots go (its own and its subscription's table
   * copies'), never another trial's. A second call is a no-op.
   */
  static void stop(ServerAdmin source, ServerAdmin target, Scope scope, UUID tenantId)
      throws SQLException {
    String name = name(tenantId);
    String database = scope.sourceDatabase();
    List<Long> subscriptions = new ArrayList<>();
    if (target != null && exists(target, scope.targetDatabase())) {
      try (Connection c = target.unpooled(scope.targetDatabase()).getConnection()) {
        subscriptions.addAll(subscriptionOids(c, name));
        if (!subscriptions.isEmpty()) {
          try {
            // Drops the slots on the source too, the table copies' included.
            ServerAdmin.execute(c, "DROP SUBSCRIPTION " + name);
          } catch (SQLException e) {
            log.warn(
                "tenant {}: subscription {} not dropped with its slot ({}); dropping it alone",
                tenantId,
                name,
                e.getMessage());
            ServerAdmin.execute(c, "ALTER SUBSCRIPTION " + name + " DISABLE");
            ServerAdmin.execute(c, "ALTER SUBSCRIPTION " + name + " SET (slot_name = NONE)");
            ServerAdmin.execute(c, "DROP SUBSCRIPTION " + name);
          }
        }
      }
    }
    boolean sourceDatabase = exists(source, database);
    if (sourceDatabase) {
      dropSlots(source, database, scope.shared() ? name : null, subscriptions);
      try (Connection c = writable(source, database)) {
        ServerAdmin.execute(c, "DROP PUBLICATION IF EXISTS " + name);
        try (Connection m = source.maintenance().getConnection()) {
          if (ServerAdmin.roleExists(m, name)) {
            ServerAdmin.execute(c, "DROP OWNED BY " + name);
          }
        }
      }
    }
    try (Connection c = source.maintenance().getConnection()) {
      if (ServerAdmin.roleExists(c, name)) {
        if (sourceDatabase) {
          IsolatedDatabase.revokeConnect(c, database, name);
        }
        try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ?")) {
          ps.setString(1, name);
          ps.execute();
        }
        ServerAdmin.execute(c, "DROP ROLE IF EXISTS " + name);
      }
    }
  }

  /**
   * What online moves left on a server, by move name: the subscriptions, replication slots (with
   * the WAL they hold back), publications (found through the move role's databases) and roles named
   * like a move's. For the fleet reconciler; reads only.
   */
  static Map<String, List<String>> leftovers(ServerAdmin admin) throws SQLException {
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
    for (String[] p : publicationDatabases) {
      try (Connection c = admin.unpooled(p[1]).getConnection()) {
        if (ServerAdmin.exists(c, "SELECT 1 FROM pg_publication WHERE pubname = ?", p[0])) {
          add(found, p[0], "publication in " + p[1]);
        }
      }
    }
    return found;
  }

  /**
   * Drops what online move {@code name} left on one server (the reconciler's removal): its
   * subscription (detached from its slot, which may be on a server that is gone), its slots and
   * those of its databases' table copies, its publication and its role. A second call is a no-op.
   */
  static void dropLeftovers(ServerAdmin admin, String name) throws SQLException {
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

  /** The oids of subscription {@code name} in the database of {@code c} (none or one). */
  private static List<Long> subscriptionOids(Connection c, String name) throws SQLException {
    List<Long> oids = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement("SELECT oid::bigint FROM pg_subscription WHERE subname = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          oids.add(rs.getLong(1));
        }
      }
    }
    return oids;
  }

  private static void add(Map<String, List<String>> found, String name, String what) {
    found.computeIfAbsent(name, k -> new ArrayList<>()).add(what);
  }

  /**
   * The replication slots of a database: all of them when {@code only} is null (a tenant database
   * has no other than its move's), else slot {@code only} and the table copies' slots of the given
   * subscriptions ({@code pg_<subscription oid>_sync_...}), the rest of a shared database's slots
   * being other trials' promotions'.
   */
  private static void dropSlots(
      ServerAdmin source, String database, String only, List<Long> subscriptions)
      throws SQLException {
    List<String> patterns = new ArrayList<>();
    for (Long oid : subscriptions) {
      patterns.add("pg\\_" + oid + "\\_sync\\_%");
    }
    try (Connection c = source.maintenance().getConnection()) {
      for (int attempt = 0; ; attempt++) {
        List<String> slots = new ArrayList<>();
        try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT slot_name, active_pid FROM pg_replication_slots WHERE database = ?"
                    + " AND (?::text IS NULL OR slot_name = ? OR slot_name LIKE ANY (?::text[]))")) {
          ps.setString(1, database);
          ps.setString(2, only);
          ps.setString(3, only);
          ps.setArray(4, c.createArrayOf("text", patterns.toArray()));
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              slots.add(rs.getString(1));
              int pid = rs.getInt(2);
              if (!rs.wasNull()) {
                ServerAdmin.execute(c, "SELECT pg_terminate_backend(" + pid + ")");
              }
            }
          }
        }
        if (slots.isEmpty()) {
          return;
        }
        try {
          for (String slot : slots) {
            try (PreparedStatement ps =
                c.prepareStatement(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                        + " WHERE slot_name = ?")) {
              ps.setString(1, slot);
              ps.execute();
            }
          }
          return;
        } catch (SQLException e) {
          // 55006: the slot's WAL sender has not ended yet.
          if (!"55006".equals(e.getSQLState()) || attempt >= 50) {
            throw e;
          }
          sleep(100);
        }
      }
    }
  }

  /**
   * Where the subscription stands; fails INVALID_STATE when there is none (start_replication did
   * not run, or the subscription was dropped).
   */
  static ReplicationLag lag(ServerAdmin source, ServerAdmin target, String database, UUID tenantId)
      throws SQLException {
    return lag(source, target, Scope.database(database), tenantId);
  }

  /** Where the subscription of {@code scope} stands; as the move's. */
  static ReplicationLag lag(ServerAdmin source, ServerAdmin target, Scope scope, UUID tenantId)
      throws SQLException {
    String name = name(tenantId);
    String database = scope.targetDatabase();
    int tables;
    int synced;
    Double seconds;
    long rows;
    try (Connection c = target.database(database).getConnection()) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT count(r.srrelid)::int, count(r.srrelid) FILTER (WHERE r.srsubstate = 'r')::int"
                  + " FROM pg_subscription s LEFT JOIN pg_subscription_rel r"
                  + " ON r.srsubid = s.oid WHERE s.subname = ? GROUP BY s.oid")) {
        ps.setString(1, name);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            throw StepFailure.of(
                FailureType.INVALID_STATE,
                "no subscription "
                    + name
                    + " on server "
                    + target.serverId()
                    + ": the replication is gone; start the move again");
          }
          tables = rs.getInt(1);
          synced = rs.getInt(2);
        }
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT extract(epoch FROM now() - latest_end_time)::float8 FROM"
                  + " pg_stat_subscription WHERE subname = ? AND relid IS NULL")) {
        ps.setString(1, name);
        try (ResultSet rs = ps.executeQuery()) {
          seconds = rs.next() ? (Double) rs.getObject(1) : null;
        }
      }
      rows =
          Long.parseLong(
              PgPipes.single(
                  c, "SELECT coalesce(sum(n_tup_ins), 0)::bigint FROM pg_stat_user_tables"));
    }
    long bytes = slotLag(source, name);
    boolean caughtUp = synced == tables && bytes < CAUGHT_UP_BYTES;
    return new ReplicationLag(tables, synced, bytes, seconds, rows, caughtUp);
  }

  /** Bytes of the source's WAL the slot has not had confirmed; large when it has none yet. */
  private static long slotLag(ServerAdmin source, String name) throws SQLException {
    try (Connection c = source.maintenance().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT (pg_current_wal_lsn() - confirmed_flush_lsn)::bigint"
                    + " FROM pg_replication_slots WHERE slot_name = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw StepFailure.of(
              FailureType.INVALID_STATE,
              "no replication slot "
                  + name
                  + " on server "
                  + source.serverId()
                  + ": the replication is gone; start the move again");
        }
        long bytes = rs.getLong(1);
        return rs.wasNull() ? Long.MAX_VALUE : Math.max(0, bytes);
      }
    }
  }

  /**
   * Waits up to {@link #CATCH_UP_CALL} for the catch-up, heartbeating where it stands. Each poll
   * writes a WAL message in the source database: on a tenant that does not write, the subscriber
   * would otherwise learn that the source moved on (and mark copied tables ready) only from the
   * next WAL the server writes anyway, up to half a minute later.
   */
  static ReplicationLag catchUp(
      ServerAdmin source, ServerAdmin target, String database, UUID tenantId) throws SQLException {
    return catchUp(source, target, Scope.database(database), tenantId);
  }

  /** The catch-up of {@code scope}; as the move's. */
  static ReplicationLag catchUp(ServerAdmin source, ServerAdmin target, Scope scope, UUID tenantId)
      throws SQLException {
    long until = System.nanoTime() + CATCH_UP_CALL.toNanos();
    try (Connection nudge = writable(source, scope.sourceDatabase())) {
      while (true) {
        ReplicationLag lag = lag(source, target, scope, tenantId);
        heartbeat(lag);
        if (lag.caughtUp() || System.nanoTime() > until) {
          return lag;
        }
        PgPipes.single(nudge, "SELECT pg_logical_emit_message(false, 'taskifai_move', 'catch_up')");
        sleep(200);
      }
    }
  }

  /**
   * Writes held: waits for the app role's sessions that began before the hold to end (ending them
   * again), marks the source's WAL position with a message in the database, and waits until the
   * subscription has confirmed it: every write committed before is on the target.
   */
  static ReplicationLag awaitZeroLag(
      ServerAdmin source, ServerAdmin target, String database, String appRole, UUID tenantId)
      throws SQLException {
    return awaitZeroLag(source, target, Scope.database(database), appRole, tenantId);
  }

  /**
   * Writes held, as {@link #awaitZeroLag(ServerAdmin, ServerAdmin, String, String, UUID)}. With
   * {@code appRole} null no session is ended: the hold itself waited for the writers (a trial's
   * fence), and a shared database's sessions serve other trials too.
   */
  static ReplicationLag awaitZeroLag(
      ServerAdmin source, ServerAdmin target, Scope scope, String appRole, UUID tenantId)
      throws SQLException {
    String name = name(tenantId);
    String database = scope.sourceDatabase();
    long until = System.nanoTime() + ZERO_LAG_LIMIT.toNanos();
    if (appRole != null) {
      endWritableSessions(source, database, appRole, until);
    }
    String mark;
    try (Connection c = writable(source, database)) {
      mark =
          PgPipes.single(c, "SELECT pg_logical_emit_message(false, 'taskifai_move', 'hold')::text");
    }
    try (Connection c = source.maintenance().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT confirmed_flush_lsn >= ?::pg_lsn FROM pg_replication_slots"
                    + " WHERE slot_name = ?")) {
      ps.setString(1, mark);
      ps.setString(2, name);
      while (true) {
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next() && rs.getBoolean(1)) {
            break;
          }
        }
        giveUpAfter(until, "the target did not confirm the source's WAL position " + mark);
        sleep(50);
      }
    }
    ReplicationLag lag = lag(source, target, scope, tenantId);
    return new ReplicationLag(
        lag.tables(), lag.tablesSynced(), 0, lag.lagSeconds(), lag.rowsCopied(), true);
  }

  /** Ends the app role's sessions on the database that began before now, until none is left. */
  private static void endWritableSessions(
      ServerAdmin source, String database, String appRole, long until) throws SQLException {
    try (Connection c = source.maintenance().getConnection()) {
      // Sessions that began before now may still have a writable default; later ones are
      // read-only (hold_writes set the database so first).
      String held = PgPipes.single(c, "SELECT now()::text");
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                  + " WHERE datname = ? AND usename = ? AND backend_start < ?::timestamptz")) {
        ps.setString(1, database);
        ps.setString(2, appRole);
        ps.setString(3, held);
        while (true) {
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            if (rs.getInt(1) == 0) {
              break;
            }
          }
          giveUpAfter(until, "the sessions that could write on " + database + " did not end");
          sleep(50);
        }
      }
    }
  }

  /** Every sequence of the target set to the source's value; returns how many. */
  static int setSequences(ServerAdmin source, ServerAdmin target, String database)
      throws SQLException {
    return setSequences(source, target, Scope.database(database));
  }

  /**
   * Every sequence the target has set to the source's value of the same name; returns how many. A
   * shared trial database's sequences serve every trial, so their values are at or above every id a
   * trial was given.
   */
  static int setSequences(ServerAdmin source, ServerAdmin target, Scope scope) throws SQLException {
    List<String> targetSequences = new ArrayList<>();
    try (Connection c = target.unpooled(scope.targetDatabase()).getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences")) {
      while (rs.next()) {
        targetSequences.add(rs.getString(1));
      }
    }
    Map<String, long[]> values = new TreeMap<>();
    try (Connection c = source.unpooled(scope.sourceDatabase()).getConnection()) {
      List<String> sequences = new ArrayList<>();
      try (Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences"
                      + " ORDER BY 1")) {
        while (rs.next()) {
          if (targetSequences.contains(rs.getString(1))) {
            sequences.add(rs.getString(1));
          }
        }
      }
      for (String seq : sequences) {
        try (Statement st = c.createStatement();
            ResultSet rs = st.executeQuery("SELECT last_value, is_called FROM " + seq)) {
          rs.next();
          values.put(seq, new long[] {rs.getLong(1), rs.getBoolean(2) ? 1 : 0});
        }
      }
    }
    try (Connection c = target.unpooled(scope.targetDatabase()).getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT setval(?::regclass, ?, ?)")) {
      for (Map.Entry<String, long[]> e : values.entrySet()) {
        ps.setString(1, e.getKey());
        ps.setLong(2, e.getValue()[0]);
        ps.setBoolean(3, e.getValue()[1] == 1);
        ps.execute();
      }
    }
    return values.size();
  }

  /**
   * The schema version and, per table, the row count and a checksum of the primary keys (of the
   * whole row where a table has none), read in one repeatable-read transaction. With {@code
   * recordHash} (both ends on PostgreSQL 14 or newer, {@link #recordHashes}) a key is hashed with
   * {@code hash_record_extended}, the hash its columns' types define, not through its text: the
   * same sum over the same keys, three to four times faster, and it runs while writes are held.
   * Both ends of one comparison must be read with the same {@code recordHash}.
   */
  static Map<String, String> fingerprint(ServerAdmin admin, String database, boolean recordHash)
      throws SQLException {
    Map<String, String> result = new TreeMap<>();
    try (Connection c = admin.unpooled(database).getConnection()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      result.put("schema_version", String.valueOf(PgPipes.schemaVersion(c)));
      Map<String, String> keys = new TreeMap<>();
      try (Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "SELECT c.oid::regclass::text, (SELECT string_agg(quote_ident(a.attname), ','"
                      + " ORDER BY array_position(i.indkey, a.attnum)) FROM pg_index i"
                      + " JOIN pg_attribute a ON a.attrelid = i.indrelid"
                      + " AND a.attnum = ANY (i.indkey) WHERE i.indrelid = c.oid AND i.indisprimary)"
                      + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                      + " WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog',"
                      + " 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1")) {
        while (rs.next()) {
          keys.put(rs.getString(1), rs.getString(2));
        }
      }
      for (Map.Entry<String, String> table : keys.entrySet()) {
        String key = table.getValue() == null ? "t" : "ROW(" + table.getValue() + ", 0)";
        // A table without a key (replica identity full) may hold types without a hash function:
        // its whole row is hashed through its text.
        String hash =
            recordHash && table.getValue() != null
                ? "hash_record_extended(" + key + ", 0)"
                : "hashtextextended((" + key + ")::text, 0)";
        try (Statement st = c.createStatement();
            ResultSet rs =
                st.executeQuery(
                    "SELECT count(*) || ':' || coalesce(sum("
                        + hash
                        + "), 0) FROM "
                        + table.getKey()
                        + " t")) {
          rs.next();
          result.put(table.getKey(), rs.getString(1));
        }
      }
      c.commit();
    }
    return result;
  }

  /**
   * Whether both servers have {@code hash_record_extended} (PostgreSQL 14 or newer), so that {@link
   * #fingerprint(ServerAdmin, String, boolean)} may hash keys by their type on both.
   */
  static boolean recordHashes(ServerAdmin source, ServerAdmin target) throws SQLException {
    for (ServerAdmin admin : List.of(source, target)) {
      try (Connection c = admin.maintenance().getConnection()) {
        if (Integer.parseInt(PgPipes.single(c, "SHOW server_version_num")) < 140000) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * Per table of {@code tables}, the row count and a checksum of the primary key without {@code
   * tenant_id} (the key both shapes share), of trial {@code trial}'s rows only, or of every row
   * when {@code trial} is null (its new database), read in one repeatable-read transaction as the
   * administrator (who sees every row).
   */
  static Map<String, String> fingerprint(
      ServerAdmin admin, String database, List<String> tables, UUID trial) throws SQLException {
    Map<String, String> result = new TreeMap<>();
    try (Connection c = admin.unpooled(database).getConnection()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      for (String table : tables) {
        String key;
        try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT string_agg(quote_ident(a.attname), ',' ORDER BY"
                    + " array_position(i.indkey, a.attnum)) FROM pg_index i JOIN pg_attribute a"
                    + " ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
                    + " WHERE i.indrelid = ?::regclass AND i.indisprimary"
                    + " AND a.attname <> 'tenant_id'")) {
          ps.setString(1, quote(table));
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            key = rs.getString(1);
          }
        }
        if (key == null) {
          throw new SQLException(table + " has no primary key besides tenant_id", "42P10");
        }
        try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT count(*) || ':' || coalesce(sum(hashtextextended((ROW("
                    + key
                    + ", 0))::text, 0)::numeric), 0) FROM "
                    + quote(table)
                    + (trial == null ? "" : " WHERE tenant_id = ?"))) {
          if (trial != null) {
            ps.setObject(1, trial);
          }
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            result.put(table, rs.getString(1));
          }
        }
      }
      c.commit();
    }
    return result;
  }

  /**
   * Whether the subscriber applies changes as each table's owner (PostgreSQL 16 and newer, unless
   * {@code run_as_owner}): the tenant tables' owner is bound by their forced row level security,
   * and PostgreSQL refuses to replicate into such a table. The subscription then runs as its owner,
   * the server's admin, as every subscription does on 15.
   */
  private static boolean runsAsTableOwner(Connection target) throws SQLException {
    return Integer.parseInt(PgPipes.single(target, "SHOW server_version_num")) >= 160000;
  }

  /** The schemas of a database that hold tables of its own. */
  private static List<String> userSchemas(Connection c) throws SQLException {
    List<String> schemas = new ArrayList<>();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT DISTINCT n.nspname FROM pg_class c JOIN pg_namespace n"
                    + " ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN"
                    + " ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"
                    + " ORDER BY 1")) {
      while (rs.next()) {
        schemas.add(rs.getString(1));
      }
    }
    return schemas;
  }

  /**
   * A new session on the database that may write although the database is read-only for new
   * sessions (a held or swapped source): the admin's own work there, never the tenant's rows.
   */
  private static Connection writable(ServerAdmin admin, String database) throws SQLException {
    Connection c = admin.unpooled(database).getConnection();
    try {
      ServerAdmin.execute(c, "SET default_transaction_read_only = off");
      return c;
    } catch (SQLException e) {
      c.close();
      throw e;
    }
  }

  private static boolean exists(ServerAdmin admin, String database) throws SQLException {
    try (Connection c = admin.maintenance().getConnection()) {
      return ServerAdmin.databaseExists(c, database);
    }
  }

  private static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  private static void heartbeat(ReplicationLag lag) {
    if (CurrentActivity.info().isPresent()) {
      Activity.getExecutionContext().heartbeat(lag);
    }
  }

  private static void giveUpAfter(long until, String what) {
    if (System.nanoTime() > until) {
      throw StepFailure.of(
          FailureType.UNAVAILABLE, what + " within " + ZERO_LAG_LIMIT.toSeconds() + " s");
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw StepFailure.of(FailureType.UNAVAILABLE, "interrupted");
    }
  }
}
