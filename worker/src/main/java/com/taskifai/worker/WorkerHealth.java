package com.taskifai.worker;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The worker's small management endpoint, at the paths Spring Boot's actuator uses in the other
 * processes so probes and scrapes look alike: {@code /actuator/health/liveness} (200 while the
 * process runs), {@code /actuator/health/readiness} and {@code /actuator/health} (200 while the
 * worker polls, 503 before and once it stops), {@code /actuator/prometheus} (JVM metrics and the
 * Temporal SDK's {@code temporal_*} metrics: polls, task latencies, activity executions).
 */
final class WorkerHealth implements AutoCloseable {
  private final HttpServer server;
  private final AtomicBoolean stopping = new AtomicBoolean();

  private WorkerHealth(HttpServer server) {
    this.server = server;
  }

  /** The worker's metrics: JVM metrics here, the Temporal SDK's added by {@link WorkerMain}. */
  static PrometheusMeterRegistry newRegistry() {
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    metrics.config().commonTags("application", "taskifai-worker");
    new JvmMemoryMetrics().bindTo(metrics);
    new JvmThreadMetrics().bindTo(metrics);
    new ProcessorMetrics().bindTo(metrics);
    return metrics;
  }

  static WorkerHealth start(
      InetSocketAddress address, PlatformWorker worker, PrometheusMeterRegistry metrics)
      throws IOException {
    HttpServer server = HttpServer.create(address, 0);
    WorkerHealth health = new WorkerHealth(server);
    server.createContext("/actuator/health/liveness", ex -> status(ex, true));
    server.createContext(
        "/actuator/health/readiness",
        ex -> status(ex, !health.stopping.get() && worker.isRunning()));
    server.createContext(
        "/actuator/health", ex -> status(ex, !health.stopping.get() && worker.isRunning()));
    server.createContext(
        "/actuator/prometheus",
        ex -> send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
    server.setExecutor(null);
    server.start();
    return health;
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** Readiness turns DOWN at once, so no new work is sent while running tasks finish. */
  void stopping() {
    stopping.set(true);
  }

  private static void status(HttpExchange ex, boolean up) throws IOException {
    send(
        ex,
        up ? 200 : 503,
        "application/json",
        up ? "{\"status\":\"UP\"}" : "{\"status\":\"OUT_OF_SERVICE\"}");
  }

  private static void send(HttpExchange ex, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
