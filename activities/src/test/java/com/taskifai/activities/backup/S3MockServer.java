package com.taskifai.activities.backup;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Adobe's S3Mock (a real S3-compatible server) as a separate process from its executable jar, which
 * the build copies to {@code target/s3mock/s3mock.jar}, on free ports with one bucket.
 */
public final class S3MockServer implements AutoCloseable {
  public final int port;
  public final String bucket;
  private final Process process;
  private final Path root;

  public S3MockServer(String bucket) throws Exception {
    this.bucket = bucket;
    Path jar = Path.of("target", "s3mock", "s3mock.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: the build copies it (mvn verify)");
    }
    this.port = freePort();
    int https = freePort();
    this.root = Files.createTempDirectory("s3mock");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-jar");
    command.add(jar.toAbsolutePath().toString());
    command.add("--com.adobe.testing.s3mock.http-port=" + port);
    command.add("--server.port=" + https);
    command.add("--com.adobe.testing.s3mock.domain.initial-buckets=" + bucket);
    command.add("--com.adobe.testing.s3mock.domain.root=" + root);
    command.add("--spring.main.banner-mode=off");
    command.add("--logging.level.root=WARN");
    this.process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(root.resolveSibling(root.getFileName() + ".log").toFile())
            .start();
    try {
      awaitBucket(Duration.ofSeconds(120));
    } catch (Exception | Error e) {
      process.destroyForcibly();
      throw e;
    }
  }

  private void awaitBucket(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    var http = java.net.http.HttpClient.newHttpClient();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("S3Mock exited with " + process.exitValue());
      }
      try {
        var response =
            http.send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + port + "/" + bucket))
                    .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody())
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // starting
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("S3Mock did not start in " + timeout);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * A TCP proxy in front of the server that can cut connections: after {@code cutAfterBytes} bytes
   * sent towards the server in one connection it closes that connection, {@code cuts} times (or
   * always, for -1). Models a store or network that fails in the middle of an upload.
   */
  public static final class FlakyProxy implements AutoCloseable {
    public final int port;
    private final ServerSocket server;
    private final int upstream;
    public volatile long cutAfterBytes = Long.MAX_VALUE;
    public volatile int cuts;
    final java.util.concurrent.atomic.AtomicInteger cutsDone =
        new java.util.concurrent.atomic.AtomicInteger();

    public FlakyProxy(int upstream) throws IOException {
      this.upstream = upstream;
      this.server = new ServerSocket();
      server.bind(new InetSocketAddress("127.0.0.1", 0));
      this.port = server.getLocalPort();
      Thread accept = new Thread(this::acceptLoop, "flaky-proxy");
      accept.setDaemon(true);
      accept.start();
    }

    private void acceptLoop() {
      while (!server.isClosed()) {
        try {
          Socket client = server.accept();
          Socket up = new Socket("127.0.0.1", upstream);
          pump(client, up, true);
          pump(up, client, false);
        } catch (IOException e) {
          return;
        }
      }
    }

    private void pump(Socket from, Socket to, boolean towardsServer) {
      Thread t =
          new Thread(
              () -> {
                byte[] buf = new byte[64 * 1024];
                long sent = 0;
                try (from;
                    to) {
                  var in = from.getInputStream();
                  var out = to.getOutputStream();
                  int n;
                  while ((n = in.read(buf)) >= 0) {
                    if (towardsServer && sent + n > cutAfterBytes && shouldCut()) {
                      from.setSoLinger(true, 0); // reset, like a dropped connection
                      return;
                    }
                    out.write(buf, 0, n);
                    out.flush();
                    sent += n;
                  }
                } catch (IOException closed) {
                  // the other side went away
                }
              },
              "flaky-proxy-pump");
      t.setDaemon(true);
      t.start();
    }

    private synchronized boolean shouldCut() {
      if (cuts == 0) {
        return false;
      }
      if (cuts > 0) {
        cuts--;
      }
      cutsDone.incrementAndGet();
      return true;
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
