package com.taskifai.launcher;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The dev platform's trace store and UI: Jaeger's single binary (v2, all-in-one), started as a
 * child process with in-memory storage, an OTLP/HTTP receiver and the UI on loopback ports, so
 * {@code ./taskifai dev} and {@code up} show each provisioning as one trace across the API and the
 * workers. Found like the Temporal CLI ({@code TASKIFAI_JAEGER}: {@code auto} looks on the {@code
 * PATH} and in Go's install folder, {@code off}, or the binary's path). Without it traces are off,
 * and the banner says how to install it: never a reason not to start.
 */
final class TraceViewer implements AutoCloseable {
  /**
   * {@code auto} (the command line's default), {@code off} (a platform built by a test), or a path.
   */
  static final String ENV = "TASKIFAI_JAEGER";

  /** The UI's port; another free one when it is taken. */
  static final String UI_PORT = "TASKIFAI_JAEGER_UI_PORT";

  /** The dev.env key, and the admin API's setting, of the UI's address. */
  static final String TRACES_URL = "TASKIFAI_TRACES_URL";

  /** How to get the binary: the Go module has replace directives, so go install refuses it. */
  static final String INSTALL = "./taskifai install-jaeger";

  /** Each process's service name in the traces, by role. */
  static final Map<String, String> SERVICES =
      Map.of("worker", "taskifai-worker", "api", "taskifai-api", "router", "taskifai-router");

  private static final Duration START_LIMIT = Duration.ofSeconds(30);

  private final Path binary;
  private final Path home;
  private final String bind;
  private final String reach;
  private final int uiPort;
  private final int otlpPort;
  private final int queryGrpcPort;
  private Process process;

  private TraceViewer(Path binary, Path home, String bind, int uiPort) throws IOException {
    this.binary = binary;
    this.home = home;
    this.bind = bind;
    this.reach = DevPlatform.reachableAddress(bind);
    this.uiPort = uiPort;
    this.otlpPort = freePort();
    this.queryGrpcPort = freePort();
  }

  /** The viewer when one is found, else why there is none (for the banner). */
  record Choice(Optional<TraceViewer> viewer, String reason) {}

  static Choice choose(Map<String, String> env, Path home, String bind) throws IOException {
    String mode = env.getOrDefault(ENV, "off").strip();
    if (mode.equalsIgnoreCase("off")) {
      return new Choice(Optional.empty(), "off (" + ENV + "=off)");
    }
    Optional<Path> binary = find(env);
    if (binary.isEmpty()) {
      return new Choice(
          Optional.empty(),
          mode.equalsIgnoreCase("auto")
              ? "off (install jaeger: " + INSTALL + ")"
              : "off (" + ENV + "=" + mode + " is not an executable file)");
    }
    int port = 16686;
    String wanted = env.get(UI_PORT);
    if (wanted != null && !wanted.isBlank()) {
      try {
        port = Integer.parseInt(wanted.strip());
      } catch (NumberFormatException e) {
        throw new IllegalStateException(UI_PORT + " must be a port number, got '" + wanted + "'");
      }
    }
    if (!free(port)) {
      // A second platform, or a Jaeger of the developer's own: the UI goes elsewhere.
      port = freePort();
    }
    return new Choice(Optional.of(new TraceViewer(binary.get(), home, bind, port)), "");
  }

  /** The jaeger binary: {@code TASKIFAI_JAEGER} as a path, the PATH, or Go's install folder. */
  static Optional<Path> find(Map<String, String> env) {
    String mode = env.getOrDefault(ENV, "auto").strip();
    if (!mode.isEmpty() && !mode.equalsIgnoreCase("auto") && !mode.equalsIgnoreCase("off")) {
      return LocalBinaries.at(mode);
    }
    return LocalBinaries.onPath(env, "jaeger");
  }

  /** The UI's address, as a browser on this machine reaches it. */
  String uiUrl() {
    return "http://localhost:" + uiPort;
  }

  /** The OTLP/HTTP receiver's base address (the SDK appends {@code /v1/traces}). */
  String otlpEndpoint() {
    return "http://" + reach + ":" + otlpPort;
  }

  /**
   * The {@code OTEL_*} settings every platform process gets: OTLP over HTTP to this viewer, every
   * trace kept (a dev platform has few), spans sent within half a second. Each process adds its own
   * {@code OTEL_SERVICE_NAME} ({@link #SERVICES}).
   */
  Map<String, String> otelSettings() {
    Map<String, String> otel = new LinkedHashMap<>();
    otel.put("OTEL_TRACES_EXPORTER", "otlp");
    otel.put("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
    otel.put("OTEL_EXPORTER_OTLP_ENDPOINT", otlpEndpoint());
    otel.put("OTEL_TRACES_SAMPLER", "parentbased_traceidratio");
    otel.put("OTEL_TRACES_SAMPLER_ARG", "1.0");
    otel.put("OTEL_BSP_SCHEDULE_DELAY", "500");
    return otel;
  }

  /** Jaeger's configuration: only what the dev platform uses, on its own ports. */
  String config() {
    return String.join(
        "\n",
        "# Written by ./taskifai dev: Jaeger for the dev platform's traces, kept in memory.",
        "service:",
        "  extensions: [jaeger_storage, jaeger_query]",
        "  pipelines:",
        "    traces:",
        "      receivers: [otlp]",
        "      processors: [batch]",
        "      exporters: [jaeger_storage_exporter]",
        "  telemetry:",
        "    metrics:",
        "      level: none",
        "    logs:",
        "      level: warn",
        "extensions:",
        "  jaeger_storage:",
        "    backends:",
        "      dev_memory:",
        "        memory:",
        "          max_traces: 20000",
        "  jaeger_query:",
        "    enable_tracing: false",
        "    storage:",
        "      traces: dev_memory",
        "    http:",
        "      endpoint: " + bind + ":" + uiPort,
        "    grpc:",
        "      endpoint: " + bind + ":" + queryGrpcPort,
        "receivers:",
        "  otlp:",
        "    protocols:",
        "      http:",
        "        endpoint: " + bind + ":" + otlpPort,
        "processors:",
        "  batch:",
        "    timeout: 200ms",
        "exporters:",
        "  jaeger_storage_exporter:",
        "    trace_storage: dev_memory",
        "");
  }

  /** Starts Jaeger and waits until its OTLP/HTTP receiver and its UI answer. */
  void start() throws IOException {
    Files.createDirectories(home);
    Path config = home.resolve("jaeger.yaml");
    Files.writeString(config, config());
    Path log = home.resolve("jaeger.log");
    process =
        new ProcessBuilder(List.of(binary.toString(), "--config", config.toString()))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + START_LIMIT.toNanos();
    while (!answers(http, otlpEndpoint() + "/v1/traces")
        || !answers(http, "http://" + reach + ":" + uiPort + "/")) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "jaeger (" + binary + ") exited with code " + process.exitValue() + "; see " + log);
      }
      if (System.nanoTime() > deadline) {
        close();
        throw new IllegalStateException(
            "jaeger (" + binary + ") did not answer within " + START_LIMIT.toSeconds() + " s");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        close();
        throw new IllegalStateException("interrupted while starting jaeger", e);
      }
    }
  }

  /** True when something answers HTTP at {@code url}, whatever the status. */
  private static boolean answers(HttpClient http, String url) {
    try {
      http.send(
          HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(1)).GET().build(),
          HttpResponse.BodyHandlers.discarding());
      return true;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** One line for the banner. */
  String describe() {
    return uiUrl()
        + " (Jaeger "
        + binary
        + ", in memory; services "
        + String.join(", ", SERVICES.values().stream().sorted().toList())
        + ")";
  }

  /** The service name of a process in role {@code role} ({@code worker}, {@code api}, ...). */
  static String serviceOf(String role) {
    String name = SERVICES.get(role.toLowerCase(Locale.ROOT));
    if (name == null) {
      throw new IllegalArgumentException("no service name for role " + role);
    }
    return name;
  }

  private static boolean free(int port) {
    try {
      DevPlatform.requireFreePort(port, "the trace viewer");
      return true;
    } catch (IllegalStateException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    LocalBinaries.stop(process);
  }
}
