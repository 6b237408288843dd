package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.registry.settings.ProductionSettings;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Every YAML file under infra/ parses; each process in compose.yaml and the Kubernetes manifests
 * uses only settings the code reads (and the docs list), passes the production check, and has
 * probes and resource limits.
 */
class InfraManifestsTest {
  private static final Pattern SETTING = Pattern.compile("TASKIFAI_[A-Z0-9_]*[A-Z0-9]");
  private static Path root;
  private static Set<String> known;
  private static String operationsDoc;

  @BeforeAll
  static void scanSources() throws IOException {
    root = Path.of("").toAbsolutePath().getParent();
    known = new TreeSet<>();
    try (Stream<Path> files = Files.walk(root, 12)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        String p = root.relativize(f).toString();
        if (Files.isRegularFile(f)
            && p.contains("/src/main/")
            && (p.endsWith(".java") || p.endsWith(".properties") || p.endsWith(".xml"))) {
          Matcher m = SETTING.matcher(Files.readString(f, StandardCharsets.UTF_8));
          while (m.find()) {
            known.add(m.group());
          }
        }
      }
    }
    // The settings records bind their environment names by relaxed binding, so those names need
    // not appear in the code: the configuration metadata names them.
    var metadata =
        java.util.Collections.list(
            InfraManifestsTest.class
                .getClassLoader()
                .getResources("META-INF/spring-configuration-metadata.json"));
    for (var url : metadata) {
      try (var in = url.openStream()) {
        for (var p :
            new com.fasterxml.jackson.databind.ObjectMapper().readTree(in).path("properties")) {
          String name = p.path("name").asText();
          if (name.startsWith("taskifai.")) {
            known.add(com.taskifai.registry.settings.Settings.envName(name));
          }
        }
      }
    }
    operationsDoc = Files.readString(root.resolve("docs/operations.md"));
    assertThat(known).contains("TASKIFAI_DB_URL", "TASKIFAI_SMTP_TLS", "TASKIFAI_ENV");
  }

  private static List<Object> load(Path file) throws IOException {
    List<Object> docs = new ArrayList<>();
    try (Reader r = Files.newBufferedReader(file)) {
      for (Object doc : new Yaml().loadAll(r)) {
        if (doc != null) {
          docs.add(doc);
        }
      }
    }
    return docs;
  }

  private static List<Path> yamlFiles() throws IOException {
    try (Stream<Path> files = Files.walk(root.resolve("infra"))) {
      return files
          .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
          .sorted()
          .toList();
    }
  }

  /** Every TASKIFAI_* name a YAML tree mentions as a key or as an env entry's name. */
  private static void settingNames(Object node, Set<String> into) {
    if (node instanceof Map<?, ?> map) {
      map.forEach(
          (k, v) -> {
            if (k instanceof String s && s.startsWith("TASKIFAI_")) {
              into.add(s);
            }
            if ("name".equals(k) && v instanceof String s && s.startsWith("TASKIFAI_")) {
              into.add(s);
            }
            settingNames(v, into);
          });
    } else if (node instanceof List<?> list) {
      list.forEach(e -> settingNames(e, into));
    }
  }

  @Test
  void everySettingInTheManifestsIsReadByTheCodeAndDocumented() throws IOException {
    List<Path> files = yamlFiles();
    assertThat(files).hasSizeGreaterThanOrEqualTo(8);
    Set<String> used = new TreeSet<>();
    for (Path f : files) {
      for (Object doc : load(f)) {
        settingNames(doc, used);
      }
    }
    assertThat(used).hasSizeGreaterThan(20);
    assertThat(known).as("settings the code reads").containsAll(used);
    for (String name : used) {
      assertThat(operationsDoc).as("docs/operations.md lists " + name).contains(name);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o, String... path) {
    Object cur = o;
    for (String p : path) {
      cur = ((Map<String, Object>) cur).get(p);
    }
    return (Map<String, Object>) cur;
  }

  @Test
  @SuppressWarnings("unchecked")
  void composeRunsTheProductionTopologyWithHealthChecks() throws IOException {
    Map<String, Object> compose =
        (Map<String, Object>) load(root.resolve("infra/compose.yaml")).get(0);
    Map<String, Object> services = map(compose, "services");
    assertThat(services)
        .containsKeys(
            "postgresql",
            "temporal",
            "temporal-ui",
            "mail",
            "init",
            "worker-1",
            "worker-2",
            "router-1",
            "router-2",
            "api");
    Map<String, ProductionSettings.Process> processes =
        Map.of(
            "worker-1", ProductionSettings.Process.WORKER,
            "worker-2", ProductionSettings.Process.WORKER,
            "router-1", ProductionSettings.Process.ROUTER,
            "router-2", ProductionSettings.Process.ROUTER,
            "api", ProductionSettings.Process.ADMIN_API,
            "init", ProductionSettings.Process.INIT);
    processes.forEach(
        (name, process) -> {
          Map<String, Object> service = map(services, name);
          Map<String, String> env = new HashMap<>();
          map(service, "environment").forEach((k, v) -> env.put(k, String.valueOf(v)));
          assertThat(ProductionSettings.problems(env, process)).as(name).isEmpty();
          if (process != ProductionSettings.Process.INIT) {
            assertThat(service).as(name + " health check").containsKey("healthcheck");
          }
        });
    assertThat((List<String>) map(services, "init").get("command")).first().isEqualTo("init");
  }

  @Test
  @SuppressWarnings("unchecked")
  void kubernetesDeploymentsHaveReplicasProbesLimitsAndSecrets() throws IOException {
    Map<String, Map<String, Object>> byKindAndName = new HashMap<>();
    Map<String, String> config = new HashMap<>();
    for (Path f : yamlFiles()) {
      if (!f.startsWith(root.resolve("infra/k8s"))) {
        continue;
      }
      for (Object doc : load(f)) {
        Map<String, Object> m = (Map<String, Object>) doc;
        if (m.get("kind") == null || map(m, "metadata") == null) {
          continue;
        }
        byKindAndName.put(m.get("kind") + "/" + map(m, "metadata").get("name"), m);
        if ("ConfigMap".equals(m.get("kind"))) {
          map(m, "data").forEach((k, v) -> config.put(k, String.valueOf(v)));
        }
      }
    }
    assertThat(byKindAndName)
        .containsKeys(
            "Deployment/taskifai-worker",
            "Deployment/taskifai-router",
            "Deployment/taskifai-api",
            "PodDisruptionBudget/taskifai-worker",
            "PodDisruptionBudget/taskifai-router",
            "HorizontalPodAutoscaler/taskifai-router",
            "Job/taskifai-init");
    assertThat(
            map(
                    byKindAndName.get("HorizontalPodAutoscaler/taskifai-router"),
                    "spec",
                    "scaleTargetRef")
                .get("name"))
        .isEqualTo("taskifai-router");
    Map<String, ProductionSettings.Process> processes =
        Map.of(
            "Deployment/taskifai-worker", ProductionSettings.Process.WORKER,
            "Deployment/taskifai-router", ProductionSettings.Process.ROUTER,
            "Deployment/taskifai-api", ProductionSettings.Process.ADMIN_API,
            "Job/taskifai-init", ProductionSettings.Process.INIT);
    processes.forEach(
        (key, process) -> {
          Map<String, Object> object = byKindAndName.get(key);
          if (key.equals("Deployment/taskifai-worker")
              || key.equals("Deployment/taskifai-router")) {
            assertThat((Integer) map(object, "spec").get("replicas"))
                .as(key)
                .isGreaterThanOrEqualTo(2);
          }
          Map<String, Object> pod = map(object, "spec", "template", "spec");
          for (Object c : (List<Object>) pod.get("containers")) {
            Map<String, Object> container = (Map<String, Object>) c;
            Map<String, Object> resources = map(container, "resources");
            assertThat(map(resources, "limits")).as(key + " limits").containsKeys("cpu", "memory");
            assertThat(map(resources, "requests"))
                .as(key + " requests")
                .containsKeys("cpu", "memory");
            if (key.startsWith("Deployment/")) {
              for (String probe : List.of("readinessProbe", "livenessProbe")) {
                assertThat((String) map(container, probe, "httpGet").get("path"))
                    .as(key + " " + probe)
                    .startsWith("/actuator/health/");
              }
            }
            Map<String, String> env = new HashMap<>(config);
            for (Object e : (List<Object>) container.getOrDefault("env", List.of())) {
              Map<String, Object> entry = (Map<String, Object>) e;
              if (entry.containsKey("valueFrom")) {
                assertThat(map(entry, "valueFrom", "secretKeyRef").get("name"))
                    .isEqualTo("taskifai-secrets");
                env.put((String) entry.get("name"), "a-value-from-the-secret-store-32+chars");
              } else {
                env.put((String) entry.get("name"), String.valueOf(entry.get("value")));
              }
            }
            assertThat(ProductionSettings.problems(env, process)).as(key).isEmpty();
          }
        });
  }

  @Test
  void alertRulesPassPromtool() throws Exception {
    Path rules = root.resolve("infra/prometheus/alerts.yaml");
    assertThat(load(rules)).hasSize(1);
    Path promtool = null;
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path candidate = Path.of(dir, "promtool");
      if (Files.isExecutable(candidate)) {
        promtool = candidate;
        break;
      }
    }
    Assumptions.assumeTrue(
        promtool != null, "promtool is not installed (Debian package prometheus)");
    Process check =
        new ProcessBuilder(promtool.toString(), "check", "rules", rules.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(check.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(check.exitValue()).as(out).isZero();
    assertThat(out).contains("SUCCESS");
    // The rules' unit tests: which series make which alert fire (alerts.test.yaml).
    Process test =
        new ProcessBuilder(
                promtool.toString(),
                "test",
                "rules",
                root.resolve("infra/prometheus/alerts.test.yaml").toString())
            .redirectErrorStream(true)
            .start();
    String tested = new String(test.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(test.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(test.exitValue()).as(tested).isZero();
    assertThat(tested).contains("SUCCESS");
  }

  @Test
  void dashboardQueriesAreReadForTheMetricsAndLabelsTheyUse() throws IOException {
    assertThat(
            MetricQueries.uses(
                "sum by (status) (rate(taskifai_router_requests_seconds_count{tenant=\"$tenant\","
                    + " status=~\"5..\"}[$__rate_interval])) / clamp_min(max(up), 1e-9)"))
        .containsExactly(
            new MetricQueries.Use(
                "taskifai_router_requests_seconds_count", Set.of("tenant", "status")));
    assertThat(MetricQueries.uses("max(a_total) > 0 or sum without (x) (b{c=\"d\"}) * 300 > 5"))
        .extracting(MetricQueries.Use::metric)
        .containsExactly("a_total", "b");
    // Three dashboards, each panel with a query, unique ids; the alert rules are read too.
    Map<String, String> queries = MetricQueries.all(root);
    assertThat(queries.keySet())
        .anyMatch(k -> k.startsWith("platform.json"))
        .anyMatch(k -> k.startsWith("routing.json"))
        .anyMatch(k -> k.startsWith("tenant.json"))
        .anyMatch(k -> k.startsWith("alerts.yaml"));
    // The check fails where a metric is not exported or lacks a label a query matches on.
    String exposition =
        "taskifai_router_requests_seconds_count{application=\"r\",status=\"200\"} 1.0\n";
    assertThat(MetricQueries.exported(List.of(exposition)))
        .containsEntry(
            "taskifai_router_requests_seconds_count",
            new TreeSet<>(Set.of("application", "status")));
    assertThatThrownBy(() -> MetricQueries.assertAllExported(root, List.of(exposition)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("taskifai_tenants is not exported")
        .hasMessageContaining("has no label tenant");
  }
}
