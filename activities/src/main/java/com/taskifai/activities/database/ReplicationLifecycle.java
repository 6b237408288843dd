package com.taskifai.activities.database;

import static com.taskifai.activities.database.ReplicationScope.name;
import static com.taskifai.activities.database.ReplicationSql.dropSlots;
import static com.taskifai.activities.database.ReplicationSql.exists;
import static com.taskifai.activities.database.ReplicationSql.quote;
import static com.taskifai.activities.database.ReplicationSql.subscriptionOids;
import static com.taskifai.activities.database.ReplicationSql.writable;

import com.taskifai.registry.OnlineMoves;
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
import java.util.Optional;
import java.util.UUID;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publication and subscription of an online move or promotion, from start to stop: on the
 * source a temporary {@code LOGIN REPLICATION BYPASSRLS} role (the tables' row level security would
 * hide rows from the initial copy), a publication (for all tables, or a trial's tables with a row
 * filter on {@code tenant_id}, PostgreSQL 15+) and a slot; on the target a subscription that logs
 * in as that role. All four carry the tenant's {@link ReplicationScope#name}.
 *
 * <p>The role's password is made here, handed to the source as a SCRAM verifier and to the target
 * inside the subscription's connection string (PostgreSQL keeps it in {@code pg_subscription},
 * which only superusers read, until {@link #stop} drops the subscription); the session that creates
 * the subscription logs no statement text. It is never returned, logged or put in workflow input.
 */
final class ReplicationLifecycle {
  private static final Logger log = LoggerFactory.getLogger(ReplicationLifecycle.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** How long the role's password is accepted; a move that takes longer starts again. */
  static final Duration ROLE_VALID_FOR = Duration.ofDays(7);

  /**
   * Why the move cannot copy online (in words that say what to change); empty when it can. Reads
   * only.
   */
  Optional<String> refusal(ServerAdmin source, ServerAdmin target, String database)
      throws SQLException {
    return refusal(source, target, ReplicationScope.database(database));
  }

  /**
   * Why {@code scope} cannot be replicated (in words that say what to change); empty when it can. A
   * trial's rows need row filters (PostgreSQL 15). Reads only.
   */
  Optional<String> refusal(ServerAdmin source, ServerAdmin target, ReplicationScope scope)
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
  void start(ServerAdmin source, ServerAdmin target, String database, UUID tenantId)
      throws SQLException {
    start(source, target, ReplicationScope.database(database), tenantId);
  }

  /**
   * Starts the replication of {@code scope} from scratch, as {@link #start(ServerAdmin,
   * ServerAdmin, String, UUID)}; a trial's publication lists its tables, each with the row filter
   * {@code tenant_id = trial}, and its role may read those tables only.
   */
  void start(ServerAdmin source, ServerAdmin target, ReplicationScope scope, UUID tenantId)
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
  void stop(ServerAdmin source, ServerAdmin target, String database, UUID tenantId)
      throws SQLException {
    stop(source, target, ReplicationScope.database(database), tenantId);
  }

  /**
   * Drops what {@link #start(ServerAdmin, ServerAdmin, ReplicationScope, UUID)} made for {@code
   * scope}. In a shared source database only this replication's slots go (its own and its
   * subscription's table copies'), never another trial's. A second call is a no-op.
   */
  void stop(ServerAdmin source, ServerAdmin target, ReplicationScope scope, UUID tenantId)
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
}
