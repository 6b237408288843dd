package com.taskifai.registry.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A short-lived PostgreSQL (the embedded binaries, a free port) on a data folder that {@link
 * WalArchive#restoreToTime} restored: it recovers to the target and promotes, archiving nothing.
 * The restored cluster keeps its source's roles, so its superuser password is the source's.
 */
public final class ScratchPostgres implements AutoCloseable {
  private final EmbeddedPostgres server;

  private ScratchPostgres(EmbeddedPostgres server) {
    this.server = server;
  }

  /**
   * Starts PostgreSQL on {@code dataDir}; {@code configDir} gets its generated pg_hba. Waits up to
   * {@code startupWait} for the first connection.
   */
  public static ScratchPostgres start(
      Path dataDir, Path configDir, String superuserPassword, Duration startupWait)
      throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    return new ScratchPostgres(
        PasswordCheckedPostgres.start(
            // A standby (which recovery is) needs at least the WAL senders and workers of the
            // server that wrote the WAL; with fewer, recovery pauses instead of reaching the
            // target.
            LogicalReplicationSettings.apply(EmbeddedPostgres.builder())
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setPort(port)
                .setServerConfig("archive_mode", "off")
                .setPGStartupWait(startupWait),
            configDir,
            superuserPassword));
  }

  /** The port it listens on (127.0.0.1). */
  public int port() {
    return server.getPort();
  }

  /** Stops the server (fast shutdown); the data folder stays. */
  @Override
  public void close() throws IOException {
    server.close();
  }
}
