package com.taskifai.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The Temporal CLI's dev server: a real Temporal server (SQLite file under {@code .taskifai/}, so
 * workflows survive a restart) with Temporal UI, started as a child process. Chosen when the {@code
 * temporal} binary is found (or {@code TASKIFAI_TEMPORAL=cli}); {@code TASKIFAI_TEMPORAL=embedded}
 * forces the in-process Java test server.
 */
final class TemporalCli implements AutoCloseable {
  /** Search attributes every platform workflow sets; registered when the server starts. */
  static final List<String> SEARCH_ATTRIBUTES =
      List.of("TenantId=Keyword", "Subdomain=Keyword", "MigrationId=Keyword");

  private final Path binary;
  private final Path home;
  private final int port;
  private final int uiPort;
  private final String bind;
  private final String namespace;
  private Process process;

  private TemporalCli(Path binary, Path home, String bind, int port, int uiPort, String namespace) {
    this.binary = binary;
    this.home = home;
    this.bind = bind;
    this.port = port;
    this.uiPort = uiPort;
    this.namespace = namespace;
  }

  /**
   * The CLI's dev server on {@code port} as {@code settings} choose it ({@code TASKIFAI_TEMPORAL},
   * {@code TASKIFAI_TEMPORAL_CLI}, {@code TASKIFAI_TEMPORAL_UI_PORT}); empty for the embedded test
   * server.
   */
  static Optional<TemporalCli> choose(DevSettings settings, Path home, int port) {
    String mode = settings.temporalMode();
    if (mode.equals("embedded")) {
      return Optional.empty();
    }
    Map<String, String> env = settings.environment();
    Optional<Path> binary = find(settings.temporalCli(), env);
    if (binary.isEmpty()) {
      if (mode.equals("cli")) {
        throw new IllegalStateException(
            "TASKIFAI_TEMPORAL=cli but no temporal binary was found on the PATH; install it with"
                + " 'go install github.com/temporalio/cli/cmd/temporal@v1.5.1' or set TASKIFAI_TEMPORAL_CLI");
      }
      return Optional.empty();
    }
    int uiPort = settings.temporalUiPort();
    DevPlatform.requireFreePort(uiPort, "Temporal UI (TASKIFAI_TEMPORAL_UI_PORT)");
    String namespace =
        com.taskifai.workflows.client.TemporalConnection.fromEnvironment(env).namespace();
    return Optional.of(
        new TemporalCli(binary.get(), home, settings.bind(), port, uiPort, namespace));
  }

  /** The temporal binary: TASKIFAI_TEMPORAL_CLI, the PATH, or Go's install folder. */
  static Optional<Path> find(Map<String, String> env) {
    return find(DevSettings.temporalCli(env), env);
  }

  /** The temporal binary: {@code explicit} when given, else on the PATH or in Go's folder. */
  private static Optional<Path> find(String explicit, Map<String, String> env) {
    if (explicit != null) {
      return LocalBinaries.at(explicit);
    }
    return LocalBinaries.onPath(env, "temporal");
  }

  Path databaseFile() {
    return home.resolve("temporal.db");
  }

  String uiUrl() {
    return "http://localhost:" + uiPort;
  }

  void start() throws IOException {
    Files.createDirectories(home);
    List<String> command =
        new java.util.ArrayList<>(
            List.of(
                binary.toString(),
                "server",
                "start-dev",
                // The frontend and the UI both bind to this address only.
                "--ip",
                bind,
                "--port",
                Integer.toString(port),
                "--ui-port",
                Integer.toString(uiPort),
                "--db-filename",
                databaseFile().toString(),
                "--log-level",
                "warn"));
    if (!namespace.equals(com.taskifai.workflows.client.TemporalConnection.DEFAULT_NAMESPACE)) {
      // The dev server makes only "default" by itself; the platform's namespace comes from
      // settings.
      command.add("--namespace");
      command.add(namespace);
    }
    // Eager activity execution: an activity the workflow schedules goes straight back to the
    // worker that completes the workflow task (when it has a free slot), instead of through the
    // task queue: one round trip less per step. Off by default in the server.
    // SQLite in WAL mode, synced at checkpoints: a commit survives the server's crash (SIGKILL)
    // without an fsync each; the default (a rollback journal, fsync per commit) costs tens of
    // milliseconds per workflow or activity task on a busy disk.
    command.add("--sqlite-pragma");
    command.add("journal_mode=wal");
    command.add("--sqlite-pragma");
    command.add("synchronous=normal");
    command.add("--dynamic-config-value");
    command.add("system.enableActivityEagerExecution=true");
    for (String attribute : SEARCH_ATTRIBUTES) {
      command.add("--search-attribute");
      command.add(attribute);
    }
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("temporal.log").toFile()))
            .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    // Ready when both the frontend and the UI listen: the CLI exits if it cannot bind the UI port.
    String reach = DevPlatform.reachableAddress(bind);
    while (!DevPlatform.listening(reach, port, Duration.ofMillis(200))
        || !DevPlatform.listening(reach, uiPort, Duration.ofMillis(200))) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "the Temporal CLI dev server exited with code "
                + process.exitValue()
                + "; see "
                + home.resolve("temporal.log"));
      }
      if (System.nanoTime() > deadline) {
        close();
        throw new IllegalStateException("the Temporal CLI dev server did not listen within 60 s");
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while starting Temporal", e);
      }
    }
  }

  /** The server's process id (tests). */
  long pid() {
    return process.pid();
  }

  /**
   * Kills the server and everything it started with SIGKILL, as a crash would, and waits until they
   * are gone; {@link #start()} brings it back on the same database file and ports (durability
   * tests).
   */
  void kill() {
    if (process == null) {
      return;
    }
    List<ProcessHandle> tree =
        Stream.concat(process.descendants(), Stream.of(process.toHandle())).toList();
    tree.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle p : tree) {
      try {
        p.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("the Temporal server (pid " + p.pid() + ") did not die", e);
      }
    }
  }

  @Override
  public void close() {
    LocalBinaries.stop(process);
  }
}
