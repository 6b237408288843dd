package com.taskifai.registry.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.embedded.LogicalReplicationSettings;
import com.taskifai.registry.embedded.PasswordCheckedPostgres;
import com.taskifai.registry.embedded.WalArchive;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;

/**
 * A real embedded PostgreSQL of its own with continuous archiving on ({@link WalArchive}, an
 * encrypted pgBackRest repository under {@code home}), for the point-in-time recovery tests. Where
 * pgbackrest is not installed the calling test is skipped, except under {@code CI=true}, where it
 * fails.
 */
public final class ArchivingTestServer implements AutoCloseable {
  /** The superuser password of every archiving test server. */
  public static final String PASSWORD = "archiving-test-superuser";

  private static final String PASSPHRASE = "archiving-test-passphrase-0123456789";

  private final EmbeddedPostgres server;
  private final WalArchive archive;

  private ArchivingTestServer(EmbeddedPostgres server, WalArchive archive) {
    this.server = server;
    this.archive = archive;
  }

  /** pgbackrest, or the test is skipped (failed under {@code CI=true}) naming what to install. */
  public static Path requireTool() {
    var tool = WalArchive.findTool();
    if (tool.isEmpty()) {
      String why = "pgbackrest is not installed (apt-get install pgbackrest)";
      assertThat("true".equals(System.getenv("CI"))).as(why + " (required when CI=true)").isFalse();
      Assumptions.abort(why);
    }
    return tool.get();
  }

  /** Starts a server on {@code home/data} archiving into {@code home/backups/pitr/<name>}. */
  public static ArchivingTestServer start(Path home, String name) throws Exception {
    Path tool = requireTool();
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path data = home.resolve("data");
    Path auth = home.resolve("auth");
    WalArchive archive =
        WalArchive.of(tool, home.resolve("backups/pitr").resolve(name), auth, PASSPHRASE, 7);
    EmbeddedPostgres pg =
        PasswordCheckedPostgres.start(
            // Configured as the dev platform's servers are (room for online moves).
            archive.configure(
                LogicalReplicationSettings.apply(EmbeddedPostgres.builder())
                    .setDataDirectory(data)
                    .setPort(port),
                data,
                port),
            auth,
            PASSWORD);
    try {
      archive.createStanza(pg, PASSWORD);
    } catch (Exception e) {
      pg.close();
      throw e;
    }
    return new ArchivingTestServer(pg, archive);
  }

  public EmbeddedPostgres server() {
    return server;
  }

  public WalArchive archive() {
    return archive;
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + server.getPort() + "/postgres";
  }

  /** Writes a row, switches to a new WAL segment and returns the name of the one it closed. */
  public String writeAndSwitchWal() throws Exception {
    try (Connection c = server.getPostgresDatabase().getConnection();
        Statement st = c.createStatement()) {
      st.execute("CREATE TABLE IF NOT EXISTS pitr_probe (id serial, at timestamptz DEFAULT now())");
      st.execute("INSERT INTO pitr_probe DEFAULT VALUES");
      try (ResultSet rs = st.executeQuery("SELECT pg_walfile_name(pg_switch_wal())")) {
        rs.next();
        return rs.getString(1);
      }
    }
  }

  /**
   * Waits until pgBackRest's {@code info} shows {@code segment} (or a later one) archived and
   * returns that info.
   */
  public String waitForArchived(String segment, Duration limit) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    String info = archive.infoJson();
    while (System.nanoTime() < deadline) {
      info = archive.infoJson();
      String max = info.replaceAll("(?s).*\"max\":\"([0-9A-F]{24})\".*", "$1");
      if (max.length() == 24 && max.compareTo(segment) >= 0) {
        return info;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("segment " + segment + " was not archived in " + limit + ": " + info);
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
