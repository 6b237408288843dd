package com.taskifai.launcher;

import com.taskifai.registry.embedded.PasswordCheckedPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * An embedded PostgreSQL server of the dev platform that can be stopped and started again on the
 * same port, data folder and superuser password, as an outage and its end would (the chaos soak).
 */
final class EmbeddedDatabase implements AutoCloseable {
  private final String serverId;
  private final int port;
  private final Path data;
  private final Supplier<EmbeddedPostgres.Builder> builder;
  private final Path authFolder;
  private final String password;
  private EmbeddedPostgres server;

  EmbeddedDatabase(
      String serverId,
      int port,
      Path data,
      Supplier<EmbeddedPostgres.Builder> builder,
      Path authFolder,
      String password) {
    this.serverId = serverId;
    this.port = port;
    this.data = data;
    this.builder = builder;
    this.authFolder = authFolder;
    this.password = password;
  }

  /** The database server id this PostgreSQL is registered as ({@code local-1}, {@code local-2}). */
  String serverId() {
    return serverId;
  }

  int port() {
    return port;
  }

  /** Starts the server on its data folder; a no-op while it runs. */
  synchronized void start() throws IOException {
    if (server == null) {
      server = PasswordCheckedPostgres.start(builder.get(), authFolder, password);
    }
  }

  /** Stops the server (a fast shutdown: open sessions are ended); a no-op while it is stopped. */
  synchronized void stop() throws IOException {
    if (server != null) {
      EmbeddedPostgres s = server;
      server = null;
      s.close();
    }
  }

  /** The running server (null while it is stopped). */
  synchronized EmbeddedPostgres server() {
    return server;
  }

  synchronized boolean running() {
    return server != null;
  }

  @Override
  public void close() throws IOException {
    stop();
  }

  @Override
  public String toString() {
    return serverId + " (port " + port + ", data in " + data + ")";
  }
}
