package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.temporal.worker.MetricsType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.yaml.snakeyaml.Yaml;

/**
 * The PromQL queries of the Grafana dashboards (infra/grafana/dashboards) and the alert rules
 * (infra/prometheus/alerts.yaml), and the metric names and label matchers each one uses: so a test
 * can hold them against what the processes really export.
 */
final class MetricQueries {
  /** Names PromQL itself owns: aggregations, keywords; never metric names. */
  private static final Set<String> KEYWORDS =
      Set.of(
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "and",
          "or",
          "unless",
          "offset",
          "bool",
          "inf",
          "nan");

  /** Series Prometheus makes itself, not the processes. */
  private static final Set<String> PROMETHEUS_OWN = Set.of("up");

  /**
   * Counters the code registers at their first event, per tenant or per reason (a pool rejection, a
   * failed sign-in), and the archive age, a row once the server has archived a segment and the
   * gauges have asked it since, and the WAL a replication slot retains, a row per slot while one
   * exists: absent from a scrape until then. {@link #everyEventBornMeterIsDeclared} holds each
   * against the meter names in the main code, so a typo still fails.
   */
  static final Set<String> EVENT_BORN =
      Set.of(
          "taskifai_router_pool_rejections_total",
          "taskifai_admin_logins_failed_total",
          "taskifai_admin_mfa_failures_total",
          "taskifai_pitr_archive_age_seconds",
          "taskifai_replication_slot_retained_bytes");

  /** Labels Prometheus adds at scrape time. */
  private static final Set<String> SCRAPE_LABELS = Set.of("instance", "job", "le");

  private static final Pattern IDENT = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern MATCHER =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"(?:[^\"\\\\]|\\\\.)*\"");

  /** One metric a query reads and the labels it matches on. */
  record Use(String metric, Set<String> labels) {}

  private MetricQueries() {}

  /** Every query: "file: panel or alert" to the expression. */
  static Map<String, String> all(Path root) throws IOException {
    Map<String, String> queries = new LinkedHashMap<>();
    ObjectMapper json = new ObjectMapper();
    List<Path> dashboards;
    try (Stream<Path> files = Files.list(root.resolve("infra/grafana/dashboards"))) {
      dashboards = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
    }
    for (Path f : dashboards) {
      JsonNode d = json.readTree(f.toFile());
      for (JsonNode panel : d.path("panels")) {
        int i = 0;
        for (JsonNode target : panel.path("targets")) {
          queries.put(
              f.getFileName() + ": " + panel.path("title").asText() + " #" + i++,
              target.path("expr").asText());
        }
      }
      for (JsonNode variable : d.path("templating").path("list")) {
        if ("query".equals(variable.path("type").asText())) {
          String q = variable.path("query").asText();
          Matcher m = Pattern.compile("label_values\\((.*),\\s*[a-zA-Z_]+\\)").matcher(q);
          if (m.matches()) {
            queries.put(
                f.getFileName() + ": variable " + variable.path("name").asText(), m.group(1));
          }
        }
      }
    }
    Path alerts = root.resolve("infra/prometheus/alerts.yaml");
    Map<?, ?> rules = new Yaml().load(Files.readString(alerts));
    for (Object group : (List<?>) rules.get("groups")) {
      for (Object rule : (List<?>) ((Map<?, ?>) group).get("rules")) {
        Map<?, ?> r = (Map<?, ?>) rule;
        queries.put("alerts.yaml: " + r.get("alert"), String.valueOf(r.get("expr")));
      }
    }
    return queries;
  }

  /** The metrics an expression reads, each with the label names its selector matches on. */
  static List<Use> uses(String expr) {
    String e =
        expr.replaceAll(
                "\\$\\{?[a-zA-Z_]+\\}?", "x") // Grafana variables ($tenant, ${x}, $__rate_interval)
            .replaceAll("\\[[^\\]]*\\]", ""); // range and subquery durations
    List<Use> uses = new ArrayList<>();
    // Grouping clauses name labels, not metrics.
    e = e.replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
    Matcher m = IDENT.matcher(e);
    int from = 0;
    while (m.find(from)) {
      String name = m.group();
      int end = m.end();
      from = end;
      if (m.start() > 0 && Character.isDigit(name.charAt(0))) {
        continue;
      }
      char before = m.start() > 0 ? e.charAt(m.start() - 1) : ' ';
      if (Character.isDigit(before) || before == '.' || before == '"') {
        continue; // part of a number or a string
      }
      String rest = e.substring(end).stripLeading();
      if (rest.startsWith("(") || KEYWORDS.contains(name.toLowerCase())) {
        continue; // a function or a keyword
      }
      Set<String> labels = new HashSet<>();
      if (rest.startsWith("{")) {
        int close = rest.indexOf('}');
        Matcher lm = MATCHER.matcher(rest.substring(1, close));
        while (lm.find()) {
          labels.add(lm.group(1));
        }
        from = end + (e.substring(end).length() - rest.length()) + close + 1;
      }
      if (!PROMETHEUS_OWN.contains(name)) {
        uses.add(new Use(name, labels));
      }
    }
    return uses;
  }

  /** Each of {@link #EVENT_BORN} is a meter name (dotted) of the main code. */
  static void everyEventBornMeterIsDeclared(Path root) throws IOException {
    StringBuilder code = new StringBuilder();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f :
          files
              .filter(f -> f.toString().endsWith(".java"))
              .filter(f -> f.toString().contains("/src/main/java/"))
              .filter(f -> !f.toString().contains("/target/"))
              .toList()) {
        code.append(Files.readString(f));
      }
    }
    for (String name : EVENT_BORN) {
      String base = name.replaceAll("(_seconds)?(_total)?$", "");
      String dotted = base.replace('_', '.');
      // The pitr meters keep an underscore in their last word (taskifai.pitr.archive_age).
      String pitr = base.replaceFirst("^taskifai_pitr_", "taskifai.pitr.");
      assertThat(code.indexOf("\"" + dotted + "\"") >= 0 || code.indexOf("\"" + pitr + "\"") >= 0)
          .as(name + " is a meter the code registers")
          .isTrue();
    }
  }

  /** A name the Temporal SDK's {@link MetricsType} defines, with Prometheus's suffixes. */
  static boolean temporalSdkMetric(String name) {
    String base = name.replaceAll("(_seconds)?(_total|_count|_sum|_max|_bucket)?$", "");
    for (java.lang.reflect.Field f : MetricsType.class.getFields()) {
      try {
        if (f.getType() == String.class && base.equals(f.get(null))) {
          return true;
        }
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
    }
    return false;
  }

  /** Metric name to the label names its samples carry, from Prometheus text expositions. */
  static Map<String, Set<String>> exported(List<String> scrapes) {
    Map<String, Set<String>> metrics = new HashMap<>();
    Pattern sample = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})?\\s");
    Pattern label = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");
    for (String scrape : scrapes) {
      for (String line : scrape.split("\n")) {
        Matcher m = sample.matcher(line);
        if (line.startsWith("#") || !m.find()) {
          continue;
        }
        Set<String> labels = metrics.computeIfAbsent(m.group(1), k -> new TreeSet<>());
        if (m.group(3) != null) {
          Matcher lm = label.matcher(m.group(3));
          while (lm.find()) {
            labels.add(lm.group(1));
          }
        }
      }
    }
    return metrics;
  }

  /**
   * Fails naming every query that reads a metric none of the scrapes exports, or matches on a label
   * that metric does not carry.
   */
  static void assertAllExported(Path root, List<String> scrapes) throws IOException {
    assertAllExported(root, scrapes, metric -> true);
  }

  /**
   * As {@link #assertAllExported(Path, List)} for the metrics {@code checked} accepts (a dev
   * platform runs its worker in the launcher's JVM and exports no worker metrics; the production
   * shape does).
   */
  static void assertAllExported(
      Path root, List<String> scrapes, java.util.function.Predicate<String> checked)
      throws IOException {
    Map<String, Set<String>> exported = exported(scrapes);
    List<String> problems = new ArrayList<>();
    Map<String, String> queries = all(root);
    assertThat(queries).as("queries found").hasSizeGreaterThan(30);
    queries.forEach(
        (where, expr) -> {
          List<Use> uses = uses(expr);
          if (uses.isEmpty() && !expr.matches("(?s).*\\bup\\b.*")) {
            problems.add(where + ": no metric found in " + expr);
          }
          for (Use use : uses) {
            if (!checked.test(use.metric())) {
              continue;
            }
            if (!exported.containsKey(use.metric()) && EVENT_BORN.contains(use.metric())) {
              continue;
            }
            Set<String> labels = exported.get(use.metric());
            if (labels == null && temporalSdkMetric(use.metric())) {
              // The SDK registers a counter at its first event (a failure, say): a name its
              // MetricsType defines is right before anything failed.
              continue;
            }
            if (labels == null) {
              problems.add(where + ": " + use.metric() + " is not exported");
              continue;
            }
            for (String l : use.labels()) {
              if (!labels.contains(l) && !SCRAPE_LABELS.contains(l)) {
                problems.add(where + ": " + use.metric() + " has no label " + l + " " + labels);
              }
            }
          }
        });
    assertThat(problems).as("dashboard and alert queries against the exported metrics").isEmpty();
  }
}
