package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code ./taskifai dev} and {@code up} hand each process, pinned: the keys of dev.env, of the
 * in-JVM worker's environment, of the admin API's and the router's properties, and of each separate
 * process's environment. The sets were captured from the launcher before its settings became one
 * {@link DevConfiguration}; a change to them is a change to a public contract (dev.env) or to what
 * a process sees, and must show up here.
 */
class DevSettingsRenderingTest {
  /** The keys every dev run's environment passes on (the test's own environment). */
  private static final Set<String> INPUT =
      Set.of(
          "PATH",
          "TASKIFAI_TEMPORAL",
          "TASKIFAI_DEV_DEMO",
          "TASKIFAI_ADMIN_PORT",
          "TASKIFAI_ROUTER_PORT",
          "TASKIFAI_ADMIN_MANAGEMENT_PORT",
          "TASKIFAI_ROUTER_MANAGEMENT_PORT",
          "TASKIFAI_PG_PORT",
          "TASKIFAI_TEMPORAL_PORT",
          "TASKIFAI_SMTP_PORT");

  private static final List<String> DEV_ENV =
      List.of(
          "TASKIFAI_ADMIN_EMAIL",
          "TASKIFAI_ADMIN_MANAGEMENT_PORT",
          "TASKIFAI_ADMIN_PASSWORD",
          "TASKIFAI_ADMIN_TOTP_SECRET",
          "TASKIFAI_ADMIN_URL",
          "TASKIFAI_BASE_DOMAIN",
          "TASKIFAI_DB_ADMIN_PASSWORD",
          "TASKIFAI_DB_ADMIN_USER",
          "TASKIFAI_DB_PASSWORD",
          "TASKIFAI_DB_URL",
          "TASKIFAI_DB_USER",
          "TASKIFAI_ROUTER_MANAGEMENT_PORT",
          "TASKIFAI_ROUTER_URL",
          "TASKIFAI_SMTP_HOST",
          "TASKIFAI_SMTP_PORT",
          "TASKIFAI_TEMPORAL_TARGET",
          "TASKIFAI_TENANT_JWT_SECRET");

  private static final List<String> UP_PORTS =
      List.of(
          "TASKIFAI_ROUTER2_MANAGEMENT_PORT",
          "TASKIFAI_ROUTER2_PORT",
          "TASKIFAI_WORKER2_MANAGEMENT_PORT",
          "TASKIFAI_WORKER_MANAGEMENT_PORT");

  /** What the platform adds to its environment for every process. */
  private static final List<String> PLATFORM_ENV =
      List.of(
          "TASKIFAI_ADMIN_JWT_SECRET",
          "TASKIFAI_ADMIN_MANAGEMENT_PORT",
          "TASKIFAI_ADMIN_URL",
          "TASKIFAI_BASE_DOMAIN",
          "TASKIFAI_DB_PASSWORD",
          "TASKIFAI_DB_URL",
          "TASKIFAI_DB_USER",
          "TASKIFAI_DEV_BIND",
          "TASKIFAI_DNS_PROVIDER",
          "TASKIFAI_ENV",
          "TASKIFAI_MASTER_KEYS_FILE",
          "TASKIFAI_ROUTER_MANAGEMENT_PORT",
          "TASKIFAI_ROUTER_PORT",
          "TASKIFAI_ROUTER_URL",
          "TASKIFAI_SMTP_HOST",
          "TASKIFAI_SMTP_PORT",
          "TASKIFAI_TEMPORAL_TARGET",
          "TASKIFAI_TENANT_JWT_SECRET");

  private static final List<String> COMMON_PROPERTIES =
      List.of(
          "logging.pattern.correlation",
          "management.server.port",
          "server.address",
          "server.port",
          "spring.flyway.enabled",
          "spring.main.banner-mode",
          "taskifai.base-domain",
          "taskifai.db.password",
          "taskifai.db.url",
          "taskifai.db.username",
          "taskifai.env",
          "taskifai.master-keys-file");

  @Test
  void theOneJvmPlatformHandsEachProcessThePinnedSettings(@TempDir Path home) throws Exception {
    Map<String, String> env = DevPlatformTest.devEnvironment();
    assertThat(env.keySet()).containsExactlyInAnyOrderElementsOf(INPUT);
    try (DevPlatform platform = new DevPlatform(env, home)) {
      platform.start();
      Properties devEnv = DevPlatformTest.devFile(home);
      assertThat(new TreeSet<>(devEnv.stringPropertyNames()))
          .containsExactlyElementsOf(sorted(DEV_ENV));

      PlatformProcesses processes = platform.processes().orElseThrow();
      assertThat(processes.workerEnv().keySet())
          .containsExactlyInAnyOrderElementsOf(union(INPUT, PLATFORM_ENV));
      assertThat(processes.apiProperties().keySet())
          .containsExactlyInAnyOrderElementsOf(
              union(
                  COMMON_PROPERTIES,
                  List.of(
                      "taskifai.admin-jwt-secret",
                      "taskifai.admin-url",
                      "taskifai.dev",
                      "taskifai.recover-workflows",
                      "taskifai.router-url",
                      "taskifai.temporal.namespace",
                      "taskifai.temporal.search-attributes",
                      "taskifai.temporal.target",
                      "taskifai.temporal.ui-url",
                      "taskifai.traces.url")));
      assertThat(processes.routerProperties().keySet())
          .containsExactlyInAnyOrderElementsOf(
              union(
                  COMMON_PROPERTIES, List.of("taskifai.admin-url", "taskifai.tenant-jwt-secret")));

      // The values agree with dev.env and the environment: one source for each.
      Map<String, String> worker = processes.workerEnv();
      for (String key :
          List.of(
              "TASKIFAI_DB_URL",
              "TASKIFAI_DB_USER",
              "TASKIFAI_DB_PASSWORD",
              "TASKIFAI_TEMPORAL_TARGET",
              "TASKIFAI_SMTP_HOST",
              "TASKIFAI_SMTP_PORT",
              "TASKIFAI_TENANT_JWT_SECRET",
              "TASKIFAI_ADMIN_URL",
              "TASKIFAI_ROUTER_URL",
              "TASKIFAI_ADMIN_MANAGEMENT_PORT",
              "TASKIFAI_ROUTER_MANAGEMENT_PORT")) {
        assertThat(worker.get(key)).as(key).isEqualTo(devEnv.getProperty(key));
      }
      assertThat(worker)
          .containsEntry("TASKIFAI_ENV", "dev")
          .containsEntry("TASKIFAI_DEV_BIND", "127.0.0.1")
          .containsEntry("TASKIFAI_DNS_PROVIDER", "local")
          .containsEntry("TASKIFAI_MASTER_KEYS_FILE", home.resolve("master.keys").toString());
      assertThat(devEnv.getProperty("TASKIFAI_ADMIN_MANAGEMENT_PORT"))
          .isEqualTo(env.get("TASKIFAI_ADMIN_MANAGEMENT_PORT"));
      Map<String, Object> api = processes.apiProperties();
      assertThat(api.get("server.port").toString()).isEqualTo(env.get("TASKIFAI_ADMIN_PORT"));
      assertThat(api.get("management.server.port"))
          .hasToString(env.get("TASKIFAI_ADMIN_MANAGEMENT_PORT"));
      assertThat(api.get("taskifai.db.password"))
          .isEqualTo(devEnv.getProperty("TASKIFAI_DB_PASSWORD"));
      assertThat(api.get("taskifai.temporal.target"))
          .isEqualTo(devEnv.getProperty("TASKIFAI_TEMPORAL_TARGET"));
      assertThat(api.get("taskifai.temporal.search-attributes")).isEqualTo("false");
      assertThat(api.get("taskifai.admin-jwt-secret"))
          .isEqualTo(worker.get("TASKIFAI_ADMIN_JWT_SECRET"));
      Map<String, Object> router = processes.routerProperties();
      assertThat(router.get("server.port").toString()).isEqualTo(env.get("TASKIFAI_ROUTER_PORT"));
      assertThat(router.get("management.server.port"))
          .hasToString(env.get("TASKIFAI_ROUTER_MANAGEMENT_PORT"));
      assertThat(router.get("taskifai.tenant-jwt-secret"))
          .isEqualTo(devEnv.getProperty("TASKIFAI_TENANT_JWT_SECRET"));
    }
  }

  @Test
  void theSeparateProcessesOfUpGetThePinnedEnvironments(@TempDir Path home) throws Exception {
    Map<String, String> env = DevPlatformTest.devEnvironment();
    Map<String, String> ports = new LinkedHashMap<>();
    for (String key : UP_PORTS) {
      ports.put(key, Integer.toString(DevPlatformTest.freePort()));
    }
    env.putAll(ports);
    try (DevPlatform platform = new DevPlatform(env, home, true).withoutLaunchingChildren()) {
      platform.start();
      Properties devEnv = DevPlatformTest.devFile(home);
      assertThat(new TreeSet<>(devEnv.stringPropertyNames()))
          .containsExactlyElementsOf(
              sorted(union(DEV_ENV, union(UP_PORTS, List.of("TASKIFAI_ROUTER2_URL")))));
      assertThat(devEnv.getProperty("TASKIFAI_ROUTER2_URL"))
          .isEqualTo("http://localhost:" + ports.get("TASKIFAI_ROUTER2_PORT"));

      List<String> common =
          union(
              union(INPUT, UP_PORTS),
              union(
                  PLATFORM_ENV,
                  List.of(
                      "SERVER_ADDRESS", "TASKIFAI_CHILD_JAVA_OPTS", "TASKIFAI_TEMPORAL_EMBEDDED")));
      Map<String, PlatformTopology.Child> children = new HashMap<>();
      platform.topology().orElseThrow().children().forEach(c -> children.put(c.name, c));
      assertThat(children.keySet())
          .containsExactlyInAnyOrder("worker-1", "worker-2", "router-1", "router-2", "api");
      for (String worker : List.of("worker-1", "worker-2")) {
        assertThat(children.get(worker).env.keySet())
            .as(worker)
            .containsExactlyInAnyOrderElementsOf(
                union(common, List.of("TASKIFAI_WORKER_MANAGEMENT_ADDRESS")));
      }
      for (String router : List.of("router-1", "router-2")) {
        assertThat(children.get(router).env.keySet())
            .as(router)
            .containsExactlyInAnyOrderElementsOf(common);
      }
      assertThat(children.get("api").env.keySet())
          .containsExactlyInAnyOrderElementsOf(
              union(
                  common,
                  List.of(
                      "SERVER_PORT",
                      "SPRING_FLYWAY_ENABLED",
                      "TASKIFAI_DEV",
                      "TASKIFAI_RECOVER_WORKFLOWS",
                      "TASKIFAI_TEMPORAL_SEARCH_ATTRIBUTES",
                      "TASKIFAI_UP_SMTP_SERVER")));

      // Each process's own ports, and probes on them.
      assertThat(children.get("worker-2").env)
          .containsEntry(
              "TASKIFAI_WORKER_MANAGEMENT_PORT", ports.get("TASKIFAI_WORKER2_MANAGEMENT_PORT"))
          .containsEntry("TASKIFAI_WORKER_MANAGEMENT_ADDRESS", "127.0.0.1");
      assertThat(children.get("worker-2").readiness.getPort())
          .isEqualTo(Integer.parseInt(ports.get("TASKIFAI_WORKER2_MANAGEMENT_PORT")));
      assertThat(children.get("router-2").env)
          .containsEntry("TASKIFAI_ROUTER_PORT", ports.get("TASKIFAI_ROUTER2_PORT"))
          .containsEntry(
              "TASKIFAI_ROUTER_MANAGEMENT_PORT", ports.get("TASKIFAI_ROUTER2_MANAGEMENT_PORT"));
      assertThat(children.get("router-1").env)
          .containsEntry("TASKIFAI_ROUTER_PORT", env.get("TASKIFAI_ROUTER_PORT"))
          .containsEntry(
              "TASKIFAI_ROUTER_MANAGEMENT_PORT", env.get("TASKIFAI_ROUTER_MANAGEMENT_PORT"));
      assertThat(children.get("api").env)
          .containsEntry("SERVER_PORT", env.get("TASKIFAI_ADMIN_PORT"))
          .containsEntry("TASKIFAI_TEMPORAL_EMBEDDED", "true")
          .containsEntry("TASKIFAI_RECOVER_WORKFLOWS", "true")
          .containsEntry("TASKIFAI_TEMPORAL_SEARCH_ATTRIBUTES", "false")
          .containsEntry("TASKIFAI_UP_SMTP_SERVER", "127.0.0.1:" + env.get("TASKIFAI_SMTP_PORT"))
          .containsEntry("TASKIFAI_DB_PASSWORD", devEnv.getProperty("TASKIFAI_DB_PASSWORD"));
      assertThat(children.get("api").readiness.getPort())
          .isEqualTo(Integer.parseInt(env.get("TASKIFAI_ADMIN_MANAGEMENT_PORT")));
    }
  }

  private static List<String> sorted(List<String> keys) {
    return keys.stream().sorted().distinct().toList();
  }

  private static List<String> union(
      java.util.Collection<String> a, java.util.Collection<String> b) {
    return Stream.concat(a.stream(), b.stream()).distinct().collect(Collectors.toList());
  }
}
