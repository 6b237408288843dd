package com.taskifai.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The worker as its own JVM process: health endpoints, logging, graceful stop, production check.
 */
class WorkerProcessTest {
  private static EmbeddedPlatform embedded;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    embedded = new EmbeddedPlatform();
  }

  @AfterAll
  static void stop() {
    embedded.close();
  }

  private static Process launch(Map<String, String> env) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
            System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
            "-cp",
            System.getProperty("java.class.path"),
            WorkerMain.class.getName());
    pb.environment().clear();
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    return pb.start();
  }

  private int get(int port, String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  @Test
  void servesHealthWhilePollingAndStopsGracefullyOnSigterm() throws Exception {
    int port = EmbeddedPlatform.freePort();
    Map<String, String> env = new java.util.HashMap<>(embedded.env);
    env.put("TASKIFAI_WORKER_MANAGEMENT_PORT", String.valueOf(port));
    // Read through WorkerSettings: health answers on this address only.
    env.put("TASKIFAI_WORKER_MANAGEMENT_ADDRESS", "127.0.0.1");
    Process worker = launch(env);
    CopyOnWriteArrayList<String> lines = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  lines.add(line);
                  if (line.contains(WorkerMain.READY)) {
                    ready.complete(null);
                  }
                }
              } catch (Exception ignored) {
                // The process ended.
              }
            });
    reader.start();
    try {
      ready.get(60, TimeUnit.SECONDS);
      assertThat(get(port, "/actuator/health/liveness")).isEqualTo(200);
      assertThat(get(port, "/actuator/health/readiness")).isEqualTo(200);
      assertThat(get(port, "/actuator/prometheus")).isEqualTo(200);
      try (java.net.Socket other = new java.net.Socket()) {
        assertThatThrownBy(
                () -> other.connect(new java.net.InetSocketAddress("127.0.0.2", port), 1000))
            .as("health bound to TASKIFAI_WORKER_MANAGEMENT_ADDRESS only")
            .isInstanceOf(java.io.IOException.class);
      }

      // The process runs a workflow: the SDK's metrics of its activities reach
      // /actuator/prometheus.
      UUID tenantId = UUID.randomUUID();
      String subdomain = "metrics" + tenantId.toString().substring(0, 8);
      ProvisionTenantWorkflow flow = embedded.startProvisioning(tenantId, subdomain, null);
      EmbeddedPlatform.awaitProgress(
          flow,
          p ->
              p.steps().stream()
                  .anyMatch(st -> st.name().equals("create_database") && st.finishedAt() != null),
          Duration.ofSeconds(90));
      String scrape = awaitScrape(port, "activity_type=\"create_database\"");
      assertThat(scrape.lines())
          .anyMatch(
              l ->
                  l.startsWith("temporal_activity_execution_latency")
                      && l.contains("activity_type=\"create_database\""))
          .anyMatch(l -> l.startsWith("temporal_workflow_task_"))
          .anyMatch(l -> l.startsWith("temporal_request"));
      // Logback is configured: INFO lines with a level, not Logback's DEBUG fallback.
      assertThat(lines).anyMatch(l -> l.contains(" INFO ") && l.contains("worker polling"));
      assertThat(lines).noneMatch(l -> l.contains(" DEBUG "));

      // SIGTERM through kill(1): Process.destroy() would also close the output pipe we read.
      new ProcessBuilder("kill", "-TERM", String.valueOf(worker.pid())).start().waitFor();
      assertThat(worker.waitFor(30, TimeUnit.SECONDS)).isTrue();
      reader.join(5_000);
      assertThat(lines)
          .as("exit %s", worker.exitValue())
          .anyMatch(l -> l.contains("worker stopped"));
    } finally {
      worker.destroyForcibly();
    }
  }

  /** The scrape once it holds {@code text} (the SDK reports its metrics every second). */
  private String awaitScrape(int port, String text) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    String body = "";
    while (System.nanoTime() < deadline) {
      body =
          http.send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + port + "/actuator/prometheus"))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      if (body.contains(text)) {
        return body;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("no metric with " + text + " in:\n" + body);
  }

  @Test
  void refusesToStartWithDevSettingsUnlessTheEnvironmentSaysDev() throws Exception {
    Map<String, String> env = new java.util.HashMap<>(embedded.env);
    env.remove("TASKIFAI_ENV"); // forgotten: production, secure by default
    env.put("TASKIFAI_WORKER_MANAGEMENT_PORT", String.valueOf(EmbeddedPlatform.freePort()));
    Process worker = launch(env);
    try {
      assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String out = new String(worker.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(worker.exitValue()).isEqualTo(2);
      assertThat(out)
          .contains("TASKIFAI_ENV is unset, which means production")
          .contains("TASKIFAI_ENV=dev")
          .contains("Temporal without TLS is refused")
          .contains("TASKIFAI_DNS_PROVIDER=local")
          .contains("TASKIFAI_TEMPORAL_EMBEDDED")
          .contains("TASKIFAI_MASTER_KEYS (inline keys)")
          .contains("TASKIFAI_SMTP_TLS")
          .doesNotContain(WorkerMain.READY);
    } finally {
      worker.destroyForcibly();
    }
  }
}
