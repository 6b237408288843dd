package com.taskifai.worker;

import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Temporal server for a test: the Temporal CLI's dev server ({@code temporal server
 * start-dev}, which has schedules) on free ports, in-memory, stopped by {@link #close()}.
 */
final class TemporalCliServer implements AutoCloseable {
  private final Process process;
  private final WorkflowServiceStubs stubs;
  final WorkflowClient client;

  private TemporalCliServer(Process process, WorkflowServiceStubs stubs) {
    this.process = process;
    this.stubs = stubs;
    this.client = WorkflowClient.newInstance(stubs);
  }

  /** The CLI binary on PATH or in ~/go/bin, where the build's setup installs it. */
  static Optional<Path> binary() {
    Stream<Path> dirs =
        Stream.concat(
            Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(s -> !s.isBlank())
                .map(Path::of),
            Stream.of(Path.of(System.getProperty("user.home"), "go", "bin")));
    return dirs.map(d -> d.resolve("temporal")).filter(Files::isExecutable).findFirst();
  }

  static TemporalCliServer start(Path binary) throws Exception {
    int port = EmbeddedPlatform.freePort();
    Path log = Files.createTempFile("temporal-cli-test", ".log");
    Process server =
        new ProcessBuilder(
                binary.toString(),
                "server",
                "start-dev",
                "--ip",
                "127.0.0.1",
                "--port",
                Integer.toString(port),
                "--ui-port",
                Integer.toString(EmbeddedPlatform.freePort()),
                "--log-level",
                "warn")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      awaitListening(server, port);
      return new TemporalCliServer(
          server,
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build()));
    } catch (Exception e) {
      stop(server);
      throw e;
    }
  }

  private static void awaitListening(Process server, int port) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      if (!server.isAlive()) {
        throw new IllegalStateException("the Temporal CLI dev server exited");
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        Thread.sleep(200);
      }
    }
    throw new IllegalStateException("the Temporal CLI dev server did not listen within 90 s");
  }

  private static void stop(Process server) {
    List<ProcessHandle> tree =
        Stream.concat(server.descendants(), Stream.of(server.toHandle())).toList();
    tree.forEach(ProcessHandle::destroy);
    try {
      server.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    tree.forEach(ProcessHandle::destroyForcibly);
  }

  @Override
  public void close() {
    stubs.shutdown();
    stop(process);
  }
}
