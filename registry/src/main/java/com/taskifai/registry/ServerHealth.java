package com.taskifai.registry;

import com.taskifai.registry.crypto.CredentialCipher;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * How the database servers are doing: for each, whether it answers with its stored admin
 * credentials, its PostgreSQL version, the tenants placed on it, the total size of their databases
 * and the connection slots left. Servers are asked at once, each under a time limit, so one that
 * does not answer cannot hold up the others. The admin API and {@code ./taskifai servers list} both
 * use it.
 */
public final class ServerHealth {
  /** The limit on connecting to one server and on all its queries together. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(3);

  /**
   * Segments waiting this long with nothing archived make archiving stalled (the alert's 5 min).
   */
  public static final Duration ARCHIVING_STALLED_AFTER = Duration.ofMinutes(5);

  private final DatabaseServers servers;
  private final CredentialCipher cipher;
  private final Duration timeout;

  public ServerHealth(DatabaseServers servers, CredentialCipher cipher, Duration timeout) {
    this.servers = servers;
    this.cipher = cipher;
    this.timeout = timeout;
  }

  /**
   * One server and how it is doing. {@code version}, {@code databasesBytes} and the connection
   * figures are null when it is not reachable; {@code error} says why then. {@code onlineMoves}
   * says whether it can be either end of an online move ({@link OnlineMoves}), {@code
   * onlineMovesReason} why not.
   */
  public record Health(
      DatabaseServers.Server server,
      long tenants,
      boolean reachable,
      String version,
      Long databasesBytes,
      Integer maxConnections,
      Integer usedConnections,
      Integer freeConnections,
      String error,
      Archiving archiving,
      Boolean onlineMoves,
      String onlineMovesReason) {

    /** Free slots and room as one line for a terminal. */
    public String summary() {
      return reachable
          ? "PostgreSQL " + version + ", " + freeConnections + " of " + maxConnections + " free"
          : "unreachable: " + error;
    }
  }

  /**
   * Continuous WAL archiving on a server, read from {@code pg_stat_archiver}: whether it is on
   * ({@code archive_mode} set and an {@code archive_command} given), when the newest segment was
   * archived and how long ago, and how many attempts failed. {@code reason} says why archiving is
   * off or unknown (null when it is on).
   */
  public record Archiving(
      boolean enabled,
      Instant newestWalAt,
      Long ageSeconds,
      long failures,
      Instant lastFailedAt,
      Long pendingSegments,
      String reason) {
    static Archiving unknown(String reason) {
      return new Archiving(false, null, null, 0, null, null, reason);
    }

    /**
     * Whether archiving is on, finished WAL segments wait to be archived, and nothing was archived
     * for longer than {@code limit}. An idle server archives nothing and is not stalled: {@code
     * archive_timeout} only closes a segment that holds writes.
     */
    public boolean stalled(Duration limit) {
      if (!enabled || pendingSegments == null || pendingSegments == 0) {
        return false;
      }
      return ageSeconds == null || ageSeconds > limit.toSeconds();
    }
  }

  /** Every registered server with its health, in id order. */
  public List<Health> all() {
    return check(servers.all());
  }

  /** The health of the given servers, asked at once; none takes much longer than the timeout. */
  public List<Health> check(List<DatabaseServers.Server> list) {
    Map<String, Long> tenants = servers.placedTenants();
    Map<String, List<String>> databases = servers.placedDatabases();
    List<Health> result = new ArrayList<>();
    if (list.isEmpty()) {
      return result;
    }
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.min(list.size(), 16),
            r -> {
              Thread t = new Thread(r, "server-health");
              t.setDaemon(true);
              return t;
            });
    try {
      List<Callable<Health>> calls = new ArrayList<>();
      for (DatabaseServers.Server s : list) {
        long placed = tenants.getOrDefault(s.id(), 0L);
        List<String> names = databases.getOrDefault(s.id(), List.of());
        calls.add(() -> ask(s, placed, names));
      }
      // A little past the per-server limit, for the thread start and the driver's own rounding.
      List<Future<Health>> answers =
          pool.invokeAll(calls, timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
      for (int i = 0; i < list.size(); i++) {
        DatabaseServers.Server s = list.get(i);
        long placed = tenants.getOrDefault(s.id(), 0L);
        try {
          result.add(answers.get(i).get());
        } catch (CancellationException e) {
          result.add(down(s, placed, "no answer within " + timeout.toSeconds() + " s"));
        } catch (ExecutionException e) {
          result.add(down(s, placed, message(e.getCause())));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking the database servers", e);
    } finally {
      pool.shutdownNow();
    }
    return result;
  }

  private Health ask(DatabaseServers.Server s, long tenants, List<String> databases) {
    return asAdmin(
        s,
        c -> measure(c, s, tenants, databases),
        reason -> down(s, tenants, reason),
        reason -> down(s, tenants, reason));
  }

  private static Health measure(
      Connection c, DatabaseServers.Server s, long tenants, List<String> databases)
      throws SQLException {
    String version = version(c);
    long bytes = 0;
    if (!databases.isEmpty()) {
      try (PreparedStatement st =
          c.prepareStatement(
              "SELECT coalesce(sum(pg_database_size(datname)), 0) FROM pg_database"
                  + " WHERE datname = ANY (?)")) {
        Array names = c.createArrayOf("text", databases.toArray());
        st.setArray(1, names);
        try (ResultSet rs = st.executeQuery()) {
          rs.next();
          bytes = rs.getLong(1);
        }
      }
    }
    int max;
    int used;
    try (PreparedStatement st =
            c.prepareStatement(
                "SELECT current_setting('max_connections')::int,"
                    + " (SELECT count(*) FROM pg_stat_activity"
                    + "  WHERE backend_type = 'client backend')::int");
        ResultSet rs = st.executeQuery()) {
      rs.next();
      max = rs.getInt(1);
      used = rs.getInt(2);
    }
    java.util.Optional<String> onlineMoves = OnlineMoves.refusal(c);
    return new Health(
        s,
        tenants,
        true,
        version,
        bytes,
        max,
        used,
        Math.max(0, max - used),
        null,
        archivingOrUnknown(c),
        onlineMoves.isEmpty(),
        onlineMoves.orElse(null));
  }

  /** What one admin session on a server answers. */
  @FunctionalInterface
  private interface AdminQuery<T> {
    T ask(Connection c) throws SQLException;
  }

  /**
   * Runs {@code query} in one admin session on {@code s}, within the timeout. A stored password
   * these keys cannot decrypt gives {@code locked} with the reason, a server that does not answer
   * (or fails the query) gives {@code unanswered} with the driver's first line.
   */
  private <T> T asAdmin(
      DatabaseServers.Server s,
      AdminQuery<T> query,
      Function<String, T> locked,
      Function<String, T> unanswered) {
    String password;
    try {
      password = s.adminPassword(cipher);
    } catch (RuntimeException e) {
      return locked.apply("its stored admin password cannot be decrypted with these keys");
    }
    try (Connection c = connect(s.jdbcUrl(), s.adminUsername(), password, timeout)) {
      return query.ask(c);
    } catch (SQLException e) {
      return unanswered.apply(message(e));
    }
  }

  private static Health down(DatabaseServers.Server s, long tenants, String error) {
    return new Health(
        s,
        tenants,
        false,
        null,
        null,
        null,
        null,
        null,
        error,
        Archiving.unknown("the server did not answer: " + error),
        null,
        null);
  }

  /**
   * The WAL archiving of one server alone (for a tenant's restorable range), asked within the
   * timeout; unknown with the reason when the server does not answer.
   */
  public Archiving archivingOf(DatabaseServers.Server s) {
    return asAdmin(
        s,
        ServerHealth::archivingOrUnknown,
        Archiving::unknown,
        reason -> Archiving.unknown("the server did not answer: " + reason));
  }

  private static Archiving archivingOrUnknown(Connection c) {
    try {
      return archiving(c);
    } catch (SQLException e) {
      return Archiving.unknown("cannot read pg_stat_archiver: " + message(e));
    }
  }

  /** Reads the server's archiving settings and {@code pg_stat_archiver} (a superuser view). */
  static Archiving archiving(Connection c) throws SQLException {
    try (PreparedStatement st =
            c.prepareStatement(
                "SELECT current_setting('archive_mode'), current_setting('archive_command'),"
                    + " a.last_archived_time, a.failed_count, a.last_failed_time,"
                    + " extract(epoch FROM now() - a.last_archived_time)::bigint"
                    + " FROM pg_stat_archiver a");
        ResultSet rs = st.executeQuery()) {
      rs.next();
      String mode = rs.getString(1);
      String command = rs.getString(2);
      if ("off".equals(mode)) {
        return Archiving.unknown(
            "archive_mode is off on this server: turn on continuous archiving (TASKIFAI_PITR=on"
                + " for embedded servers; docs/operations.md, \"Point-in-time recovery\")");
      }
      if (command == null || command.isBlank() || "(disabled)".equals(command)) {
        return Archiving.unknown(
            "archive_mode is on but archive_command is empty: set it to pgbackrest archive-push");
      }
      java.sql.Timestamp newest = rs.getTimestamp(3);
      java.sql.Timestamp failed = rs.getTimestamp(5);
      long age = rs.getLong(6);
      boolean noAge = rs.wasNull();
      return new Archiving(
          true,
          newest == null ? null : newest.toInstant(),
          newest == null || noAge ? null : Math.max(0, age),
          rs.getLong(4),
          failed == null ? null : failed.toInstant(),
          pendingSegments(c),
          null);
    }
  }

  /**
   * Finished WAL segments not archived yet ({@code .ready} files); null where the admin may not
   * list them (it needs superuser or {@code pg_monitor}).
   */
  private static Long pendingSegments(Connection c) {
    try (PreparedStatement st =
            c.prepareStatement(
                "SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'");
        ResultSet rs = st.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      return null;
    }
  }

  /**
   * Connects with the given credentials and returns the server's PostgreSQL version; for checking a
   * server before it is registered.
   *
   * @throws SQLException when the server cannot be reached or refuses the credentials
   */
  public static String probe(String jdbcUrl, String user, String password, Duration timeout)
      throws SQLException {
    try (Connection c = connect(jdbcUrl, user, password, timeout)) {
      return version(c);
    }
  }

  /**
   * The WAL each replication slot of server {@code s} holds back, in bytes, by slot name: the
   * distance from the server's current WAL position to the slot's {@code restart_lsn} (0 for a slot
   * that reserves none yet). A forgotten slot grows this until the disk fills. Empty when the
   * server does not answer or has no slots; a standby, which has no current WAL position, counts
   * from its replay position.
   */
  public Map<String, Long> retainedWal(DatabaseServers.Server s) {
    Map<String, Long> slots = new java.util.TreeMap<>();
    String password;
    try {
      password = s.adminPassword(cipher);
    } catch (RuntimeException e) {
      return slots;
    }
    try (Connection c = connect(s.jdbcUrl(), s.adminUsername(), password, timeout);
        PreparedStatement st =
            c.prepareStatement(
                "SELECT slot_name, coalesce(pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery()"
                    + " THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END,"
                    + " restart_lsn), 0)::bigint FROM pg_replication_slots ORDER BY 1");
        ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        slots.put(rs.getString(1), Math.max(0, rs.getLong(2)));
      }
    } catch (SQLException e) {
      slots.clear();
    }
    return slots;
  }

  /** One normalised statement of a tenant database (constants are $1, $2: no row data). */
  public record Statement(String query, long calls, double meanMillis, double totalMillis) {}

  /**
   * The slowest statements (by mean time) of one database, from {@code pg_stat_statements} where
   * the server has it; otherwise {@code available} is false and {@code reason} says why.
   */
  public record Statements(boolean available, String reason, List<Statement> slowest) {}

  /**
   * The {@code limit} slowest statements of {@code database} on server {@code s}, read as the
   * server's admin from {@code pg_stat_statements} (the extension must be loaded through {@code
   * shared_preload_libraries} and created in the admin database).
   */
  public Statements slowestStatements(DatabaseServers.Server s, String database, int limit) {
    return asAdmin(
        s,
        c -> slowest(c, s, database, limit),
        reason -> new Statements(false, "server " + s.id() + ": " + reason, List.of()),
        reason -> new Statements(false, "server " + s.id() + ": " + reason, List.of()));
  }

  private static Statements slowest(
      Connection c, DatabaseServers.Server s, String database, int limit) throws SQLException {
    try (PreparedStatement st =
            c.prepareStatement("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'");
        ResultSet rs = st.executeQuery()) {
      if (!rs.next()) {
        return new Statements(
            false,
            "pg_stat_statements is not installed on server "
                + s.id()
                + " (shared_preload_libraries, then CREATE EXTENSION pg_stat_statements in its"
                + " admin database)",
            List.of());
      }
    }
    List<Statement> out = new ArrayList<>();
    try (PreparedStatement st =
        c.prepareStatement(
            "SELECT query, calls, mean_exec_time, total_exec_time FROM pg_stat_statements"
                + " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = ?)"
                + " ORDER BY mean_exec_time DESC LIMIT ?")) {
      st.setString(1, database);
      st.setInt(2, limit);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          out.add(new Statement(rs.getString(1), rs.getLong(2), rs.getDouble(3), rs.getDouble(4)));
        }
      }
    }
    return new Statements(true, null, out);
  }

  private static Connection connect(String jdbcUrl, String user, String password, Duration timeout)
      throws SQLException {
    int seconds = (int) Math.max(1, (timeout.toMillis() + 999) / 1000);
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl(jdbcUrl);
    ds.setUser(user);
    ds.setPassword(password);
    ds.setConnectTimeout(seconds);
    ds.setLoginTimeout(seconds);
    ds.setSocketTimeout(seconds);
    ds.setApplicationName("taskifai-server-health");
    return ds.getConnection();
  }

  private static String version(Connection c) throws SQLException {
    try (PreparedStatement st = c.prepareStatement("SHOW server_version");
        ResultSet rs = st.executeQuery()) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** The driver's message without anything that could carry the password. */
  static String message(Throwable e) {
    String m = e == null ? null : e.getMessage();
    return m == null || m.isBlank() ? String.valueOf(e) : m.lines().findFirst().orElse(m);
  }
}
