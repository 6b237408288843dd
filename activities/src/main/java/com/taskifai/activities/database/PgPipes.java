package com.taskifai.activities.database;

import com.taskifai.activities.CurrentActivity;
import com.taskifai.activities.StepFailure;
import com.taskifai.activities.backup.PgClient;
import com.taskifai.registry.BackupClientCheck;
import com.taskifai.workflows.FailureType;
import io.temporal.activity.Activity;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way the activities run {@code pg_dump} and {@code pg_restore} (backup, restore and move):
 * a dump of a database as its server's admin inside an exported snapshot, a restore as the tenant's
 * owner role ({@link OwnerLogin}) without the archive's owners and grants, the streams between them
 * (heartbeating as they flow), and the manifest (row count per table, schema version) that says
 * what a copy must hold. Built once per process on the {@link PgClient} of its {@code
 * TASKIFAI_PG_BIN}.
 */
public final class PgPipes {
  private static final Logger log = LoggerFactory.getLogger(PgPipes.class);

  private final PgClient pg;

  public PgPipes(PgClient pg) {
    this.pg = pg;
  }

  /** The client programs. */
  public PgClient client() {
    return pg;
  }

  /** What a copy of a database must hold: its schema version and the rows of each table. */
  record Manifest(String schemaVersion, Map<String, Long> rowCounts) {}

  /** An exported snapshot, open while its connection's transaction is. */
  record Snapshot(String id, Manifest manifest) {}

  /**
   * Turns the connection into a read-only repeatable-read transaction, exports its snapshot and
   * reads the manifest in it: a dump with {@code --snapshot} of the id sees exactly that.
   */
  static Snapshot export(Connection c) throws SQLException {
    c.setAutoCommit(false);
    c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
    c.setReadOnly(true);
    String id = single(c, "SELECT pg_export_snapshot()");
    return new Snapshot(id, manifestIn(c));
  }

  /** The manifest of a database, read in one repeatable-read transaction on a new session. */
  static Manifest manifest(ServerAdmin admin, String database) throws SQLException {
    try (Connection c = admin.unpooled(database).getConnection()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      Manifest m = manifestIn(c);
      c.commit();
      return m;
    }
  }

  /**
   * Refuses a server whose major version is newer than pg_dump's: such a dump would fail. The
   * failure starts with {@code refusal} and says what to install.
   *
   * @return the server's version text
   */
  String requireDumpClient(Connection c, String serverId, String refusal) throws SQLException {
    int serverMajor = Integer.parseInt(single(c, "SHOW server_version_num")) / 10000;
    int client = pg.dumpMajorVersion();
    if (serverMajor > client) {
      throw StepFailure.of(
          FailureType.MISCONFIGURED,
          refusal + BackupClientCheck.tooOld(client, serverMajor, serverId));
    }
    return single(c, "SHOW server_version");
  }

  /** Starts {@code pg_dump -Fc} of the database as the server's admin, in the snapshot. */
  PgClient.Started dump(ServerAdmin source, String database, int compress, String snapshotId)
      throws IOException {
    return pg.start(
        "pg_dump",
        source.jdbcUrl(),
        source.username(),
        source.password(),
        database,
        List.of("--format=custom", "--compress=" + compress, "--snapshot=" + snapshotId));
  }

  /**
   * Starts the {@code pg_dump -Fc} of a tenant export as the server's admin, in the snapshot:
   * without owners and grants, so the archive restores anywhere as whoever loads it.
   */
  PgClient.Started exportDump(ServerAdmin source, String database, String snapshotId)
      throws IOException {
    return pg.start(
        "pg_dump",
        source.jdbcUrl(),
        source.username(),
        source.password(),
        database,
        List.of("--format=custom", "--no-owner", "--no-privileges", "--snapshot=" + snapshotId));
  }

  /** Starts {@code pg_restore} into the database as the owner role, reading its stdin. */
  PgClient.Started restore(ServerAdmin target, OwnerLogin owner, String database)
      throws IOException {
    return pg.start(
        "pg_restore",
        target.jdbcUrl(),
        owner.role(),
        owner.password(),
        database,
        PgClient.RESTORE_OPTIONS);
  }

  /** How the two programs of a {@link #copy} ended. */
  record Copied(int dumpExit, String dumpErrors, int restoreExit, String restoreErrors) {}

  /**
   * {@code pg_dump} of the source database in the snapshot piped into {@code pg_restore} of the
   * target's database of the same name as the owner, without touching disk. A broken pipe is left
   * to the exit statuses and errors to explain.
   */
  Copied copy(
      ServerAdmin source, ServerAdmin target, OwnerLogin owner, String database, String snapshotId)
      throws IOException {
    try (PgClient.Started dump = dump(source, database, 1, snapshotId);
        PgClient.Started restore = restore(target, owner, database)) {
      return transfer(dump, restore, database);
    }
  }

  /**
   * As {@link #copy}, the schema only ({@code --schema-only}), without publications and
   * subscriptions: the start of an online move, whose rows come by logical replication.
   */
  Copied copySchema(ServerAdmin source, ServerAdmin target, OwnerLogin owner, String database)
      throws IOException {
    try (PgClient.Started dump =
            pg.start(
                "pg_dump",
                source.jdbcUrl(),
                source.username(),
                source.password(),
                database,
                List.of(
                    "--format=custom",
                    "--schema-only",
                    "--no-publications",
                    "--no-subscriptions"));
        PgClient.Started restore = restore(target, owner, database)) {
      return transfer(dump, restore, database);
    }
  }

  private static Copied transfer(PgClient.Started dump, PgClient.Started restore, String database) {
    try (InputStream from = heartbeating(dump.stdout());
        OutputStream to = restore.process().getOutputStream()) {
      from.transferTo(to);
    } catch (IOException e) {
      // pg_restore stopped reading (or pg_dump died): the exit codes and errors tell why
      log.warn("copy stream of {} broke: {}", database, e.getMessage());
    }
    int dumpExit = waitFor(dump.process());
    int restoreExit = waitFor(restore.process());
    return new Copied(dumpExit, dump.errors(), restoreExit, restore.errors());
  }

  /** Copies in chunks of the backup cipher's size: few large writes into the pipe. */
  static void feed(InputStream in, OutputStream out) throws IOException {
    byte[] buf = new byte[1 << 20];
    for (int n; (n = in.read(buf)) >= 0; ) {
      out.write(buf, 0, n);
    }
  }

  /** The exit status; an interrupted wait kills the program and fails the step, to be retried. */
  static int waitFor(Process p) {
    try {
      return p.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw StepFailure.of(FailureType.UNAVAILABLE, "interrupted while waiting for " + p.info());
    }
  }

  /** The stream, heartbeating (when inside an activity) every few megabytes read. */
  static InputStream heartbeating(InputStream in) {
    return new Heartbeating(in);
  }

  /** Row count per table of schema public, in the connection's transaction. */
  static Map<String, Long> rowCounts(Connection c) throws SQLException {
    List<String> tables = new ArrayList<>();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")) {
      while (rs.next()) {
        tables.add(rs.getString(1));
      }
    }
    Map<String, Long> counts = new TreeMap<>();
    for (String table : tables) {
      counts.put(
          table,
          Long.parseLong(
              single(c, "SELECT count(*) FROM public.\"" + table.replace("\"", "\"\"") + "\"")));
    }
    return counts;
  }

  /** The tenant schema's Flyway version, or null without a history table. */
  static String schemaVersion(Connection c) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT to_regclass('public.flyway_schema_history') IS NOT NULL")) {
      rs.next();
      if (!rs.getBoolean(1)) {
        return null;
      }
    }
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT version FROM public.flyway_schema_history WHERE success AND version IS NOT NULL"
                    + " ORDER BY installed_rank DESC LIMIT 1")) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  static String single(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static Manifest manifestIn(Connection c) throws SQLException {
    return new Manifest(schemaVersion(c), rowCounts(c));
  }

  /** Heartbeats (when inside an activity) every few megabytes read. */
  private static final class Heartbeating extends FilterInputStream {
    private final boolean inActivity = CurrentActivity.info().isPresent();
    private long bytes;
    private long lastBeat;

    Heartbeating(InputStream in) {
      super(in);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        bytes += n;
        long now = System.nanoTime();
        if (inActivity && now - lastBeat > TimeUnit.SECONDS.toNanos(5)) {
          lastBeat = now;
          Activity.getExecutionContext().heartbeat(bytes);
        }
      }
      return n;
    }
  }
}
