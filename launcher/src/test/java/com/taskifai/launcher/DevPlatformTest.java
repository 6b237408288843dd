package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one-command dev platform, started in this JVM on free ports and a temporary home folder. */
class DevPlatformTest {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void startsHealthyWritesDevEnvRefusesASecondInstanceAndKeepsTheRegistryAcrossARestart(
      @TempDir Path home) throws Exception {
    Map<String, String> env = devEnvironment();
    // Look for a trace viewer where there is none: traces are off, and the banner says why.
    env.put(TraceViewer.ENV, "auto");
    env.put("PATH", withoutJaeger(env.get("PATH")));
    env.put("GOPATH", home.resolve("no-go").toString());
    UUID tenantId = UUID.randomUUID();

    try (DevPlatform platform = new DevPlatform(env, home)) {
      try (var lock = SingleInstanceLock.tryAcquire(home.resolve("dev.lock")).orElseThrow()) {
        platform.start();
        assertThat(health(env.get("TASKIFAI_ADMIN_PORT"))).contains("\"UP\"");
        assertThat(health(env.get("TASKIFAI_ROUTER_PORT"))).contains("\"UP\"");

        // Every dev listener binds to 127.0.0.1 only: another address of this machine (here
        // 127.0.0.2, which reaches any listener on all interfaces) gets no answer.
        for (String key :
            new String[] {
              "TASKIFAI_ADMIN_PORT",
              "TASKIFAI_ROUTER_PORT",
              "TASKIFAI_TEMPORAL_PORT",
              "TASKIFAI_SMTP_PORT",
              "TASKIFAI_PG_PORT"
            }) {
          int port = Integer.parseInt(env.get(key));
          assertThat(DevPlatform.listening("127.0.0.1", port, Duration.ofSeconds(1)))
              .as(key + " on 127.0.0.1")
              .isTrue();
          assertThat(DevPlatform.listening("127.0.0.2", port, Duration.ofSeconds(1)))
              .as(key + " on another address")
              .isFalse();
        }

        Properties devEnv = read(home.resolve("dev.env"));
        assertThat(devEnv.stringPropertyNames())
            .contains(
                "TASKIFAI_ADMIN_URL",
                "TASKIFAI_ROUTER_URL",
                "TASKIFAI_DB_URL",
                "TASKIFAI_DB_USER",
                "TASKIFAI_DB_PASSWORD",
                "TASKIFAI_DB_ADMIN_USER",
                "TASKIFAI_DB_ADMIN_PASSWORD",
                "TASKIFAI_TEMPORAL_TARGET",
                "TASKIFAI_SMTP_HOST",
                "TASKIFAI_SMTP_PORT",
                "TASKIFAI_ADMIN_EMAIL",
                "TASKIFAI_ADMIN_PASSWORD",
                "TASKIFAI_ADMIN_TOTP_SECRET",
                "TASKIFAI_ADMIN_MANAGEMENT_PORT",
                "TASKIFAI_ROUTER_MANAGEMENT_PORT");
        // Metrics answer on the management ports (loopback), not on the main ones.
        assertThat(get(env.get("TASKIFAI_ADMIN_MANAGEMENT_PORT"), "/actuator/prometheus"))
            .contains("taskifai_");
        assertThat(get(env.get("TASKIFAI_ROUTER_MANAGEMENT_PORT"), "/actuator/prometheus"))
            .contains("taskifai_router_");
        assertThat(
                http.send(
                        HttpRequest.newBuilder(
                                URI.create(
                                    "http://127.0.0.1:"
                                        + env.get("TASKIFAI_ROUTER_PORT")
                                        + "/actuator/prometheus"))
                            .build(),
                        HttpResponse.BodyHandlers.ofString())
                    .statusCode())
            .isNotEqualTo(200);
        assertThat(devEnv.getProperty("TASKIFAI_DB_USER")).isNotEqualTo("postgres");
        assertThat(platform.banner())
            .containsPattern("Traces +off \\(install jaeger: ./taskifai install-jaeger\\)");
        assertThat(devEnv).doesNotContainKey(TraceViewer.TRACES_URL);
        assertThat(Files.readString(home.resolve("dev.env")))
            .contains(
                "# TASKIFAI_TRACES_URL is not set: traces off (install jaeger: "
                    + TraceViewer.INSTALL
                    + ")");
        assertThat(devEnv.getProperty("TASKIFAI_ADMIN_URL"))
            .isEqualTo("http://localhost:" + env.get("TASKIFAI_ADMIN_PORT"));
        assertThat(Files.getPosixFilePermissions(home.resolve("dev.env")).toString())
            .doesNotContain("OTHERS", "GROUP");

        // The embedded PostgreSQL checks every password, the superuser's too.
        String dbUrl = devEnv.getProperty("TASKIFAI_DB_URL");
        String dbAdmin = devEnv.getProperty("TASKIFAI_DB_ADMIN_USER");
        assertThatThrownBy(
                () -> DevPlatform.dataSource(dbUrl, dbAdmin, "not-the-password").getConnection())
            .isInstanceOf(SQLException.class)
            .hasMessageContaining("password authentication failed");
        assertThatThrownBy(
                () ->
                    DevPlatform.dataSource(
                            dbUrl, devEnv.getProperty("TASKIFAI_DB_USER"), "not-the-password")
                        .getConnection())
            .isInstanceOf(SQLException.class);
        try (var c =
            DevPlatform.dataSource(dbUrl, dbAdmin, devEnv.getProperty("TASKIFAI_DB_ADMIN_PASSWORD"))
                .getConnection()) {
          assertThat(c.isValid(2)).isTrue();
        }
        assertThat(Files.readString(home.resolve("postgres-auth/pg_hba.conf")))
            .contains("scram-sha-256")
            .doesNotContain("trust");
        assertThat(Files.getPosixFilePermissions(home.resolve("dev-secrets.properties")).toString())
            .doesNotContain("OTHERS", "GROUP");

        // A second dev platform on the same folder says so and exits non-zero.
        ProcessBuilder secondBuilder =
            new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp",
                    System.getProperty("java.class.path"),
                    DevPlatform.class.getName())
                .redirectErrorStream(true);
        secondBuilder.environment().putAll(env);
        secondBuilder.environment().put("TASKIFAI_HOME", home.toString());
        Process second = secondBuilder.start();
        second.getOutputStream().close();
        assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(second.exitValue()).isEqualTo(3);
        assertThat(out).contains("already running");

        var registry = new TenantRegistry(platformDataSource(devEnv));
        registry.reserve(
            new TenantRegistry.Reservation(tenantId, "kept", "Kept Inc", "a@kept.test", "local"));
        registry.setStatus(tenantId, TenantStatus.SUSPENDED);
      }
    }

    try (DevPlatform again = new DevPlatform(env, home)) {
      again.start();
      Properties devEnv = read(home.resolve("dev.env"));
      var registry = new TenantRegistry(platformDataSource(devEnv));
      assertThat(registry.findById(tenantId))
          .hasValueSatisfying(t -> assertThat(t.status()).isEqualTo(TenantStatus.SUSPENDED));
    }
  }

  /** The dev.env the dev platform writes into its home. */
  static Properties devFile(Path home) throws IOException {
    return read(home.resolve("dev.env"));
  }

  /** The platform database as the dev.env names it. */
  static javax.sql.DataSource platformDataSource(Properties devEnv) {
    return DevPlatform.dataSource(
        devEnv.getProperty("TASKIFAI_DB_URL"),
        devEnv.getProperty("TASKIFAI_DB_USER"),
        devEnv.getProperty("TASKIFAI_DB_PASSWORD"));
  }

  private String get(String port, String path) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  private String health(String port) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  private static Properties read(Path file) throws IOException {
    Properties p = new Properties();
    try (var r = Files.newBufferedReader(file)) {
      p.load(r);
    }
    return p;
  }

  static Map<String, String> devEnvironment() throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("TASKIFAI_TEMPORAL", "embedded");
    // The demo tenant is off here (DemoTenantTest turns it on): the tests read the dev outbox.
    env.put(DevPlatform.DEV_DEMO, "false");
    env.put("TASKIFAI_ADMIN_PORT", Integer.toString(freePort()));
    env.put("TASKIFAI_ROUTER_PORT", Integer.toString(freePort()));
    env.put("TASKIFAI_ADMIN_MANAGEMENT_PORT", Integer.toString(freePort()));
    env.put("TASKIFAI_ROUTER_MANAGEMENT_PORT", Integer.toString(freePort()));
    env.put("TASKIFAI_PG_PORT", Integer.toString(freePort()));
    env.put("TASKIFAI_TEMPORAL_PORT", Integer.toString(freePort()));
    env.put("TASKIFAI_SMTP_PORT", Integer.toString(freePort()));
    env.put("PATH", System.getenv().getOrDefault("PATH", ""));
    return env;
  }

  /** {@code path} without the folders that hold a jaeger binary. */
  static String withoutJaeger(String path) {
    return java.util.Arrays.stream(path.split(java.io.File.pathSeparator))
        .filter(dir -> !dir.isBlank() && !Files.exists(Path.of(dir, "jaeger")))
        .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
