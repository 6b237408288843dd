package com.taskifai.launcher.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.taskifai.api.auth.TotpCodes;
import com.taskifai.launcher.DevPlatform;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./taskifai bench provision [--tenants N] [--concurrency C] [--temporal cli] [--tier
 * trial]}: provisions N tenants through the admin API of an embedded dev platform, signalling
 * verification as soon as the mail is out, once with the template fast path and once without (or,
 * with {@code --temporal cli}, once on the embedded test server and once on the Temporal CLI's
 * server; with {@code --tier trial}, once as pooled trials), and prints p50/p95 seconds from POST
 * to AWAITING_VERIFICATION and to ACTIVE and tenants per minute.
 */
public final class ProvisionBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern VERIFY_LINK =
      Pattern.compile("https?://[^\\s\"<>]*/verify-email\\?token=[A-Za-z0-9._~-]+");
  private final HttpClient http = HttpClient.newHttpClient();
  private String tier;
  private com.taskifai.registry.TenantRegistry registry;

  record Sample(double toAwaiting, double toActive, String subdomain, String tenantId) {}

  record Result(
      String label,
      int tenants,
      int concurrency,
      List<Sample> samples,
      int errors,
      double wallSeconds,
      Map<String, Double> profile,
      Map<String, Double> steps) {}

  /** Where the time of one provisioning goes, from its Temporal history (milliseconds). */
  static final List<String> PROFILE =
      List.of(
          "workflow task: waiting for a worker",
          "workflow task: on the worker",
          "activity: waiting for a worker",
          "activity: running",
          "verification: mail sent to signal (the benchmark's client)",
          "whole workflow: start to completion",
          "workflow tasks (a count, not ms)",
          "local activities, run inside workflow tasks (a count, not ms)");

  public static void main(String[] args) throws Exception {
    int tenants = 20;
    int concurrency = 4;
    String temporal = "embedded";
    String tier = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--tenants" -> tenants = Integer.parseInt(args[++i]);
        case "--concurrency" -> concurrency = Integer.parseInt(args[++i]);
        case "--temporal" -> temporal = args[++i];
        case "--tier" -> tier = args[++i];
        default -> {
          System.err.println(
              "usage: ./taskifai bench provision [--tenants N] [--concurrency C] [--temporal cli]"
                  + " [--tier trial]");
          System.exit(2);
        }
      }
    }
    ProvisionBenchmark bench = new ProvisionBenchmark();
    bench.tier = tier;
    List<Result> results = new ArrayList<>();
    if ("trial".equals(tier)) {
      results.add(bench.run("trial tier", true, temporal, tenants, concurrency));
    } else if (temporal.equals("cli")) {
      // Both servers side by side in one run (the machine's load changes between runs).
      results.add(
          bench.run("embedded test server (sticky off)", true, "embedded", tenants, concurrency));
      results.add(bench.run("Temporal CLI server (sticky on)", true, "cli", tenants, concurrency));
    } else if (temporal.equals("embedded")) {
      results.add(bench.run("template fast path on", true, "embedded", tenants, concurrency));
      results.add(bench.run("template fast path off", false, "embedded", tenants, concurrency));
    } else {
      System.err.println("bench: --temporal is cli or embedded, got '" + temporal + "'");
      System.exit(2);
    }
    System.out.println();
    System.out.println(
        "| mode | tenants | concurrency | p50 → AWAITING (s) | p95 → AWAITING (s) | p50 → ACTIVE (s) | p95 → ACTIVE (s) | tenants/min | errors |");
    System.out.println("|---|---|---|---|---|---|---|---|---|");
    List<Result> all = results;
    for (Result r : all) {
      List<Double> awaiting = r.samples().stream().map(Sample::toAwaiting).sorted().toList();
      List<Double> active = r.samples().stream().map(Sample::toActive).sorted().toList();
      System.out.printf(
          "| %s | %d | %d | %.2f | %.2f | %.2f | %.2f | %.1f | %d |%n",
          r.label(),
          r.tenants(),
          r.concurrency(),
          pct(awaiting, 50),
          pct(awaiting, 95),
          pct(active, 50),
          pct(active, 95),
          r.samples().size() / r.wallSeconds() * 60,
          r.errors());
    }
    System.out.println();
    System.out.println(
        "Mean milliseconds per provisioning, summed over its workflow history (ACTIVE tenants):");
    System.out.println();
    StringBuilder header = new StringBuilder("| where |");
    StringBuilder rule = new StringBuilder("|---|");
    for (Result r : all) {
      header.append(' ').append(r.label()).append(" |");
      rule.append("---|");
    }
    System.out.println(header);
    System.out.println(rule);
    for (String key : PROFILE) {
      StringBuilder row = new StringBuilder("| ").append(key).append(" |");
      for (Result r : all) {
        row.append(String.format(" %.0f |", r.profile().getOrDefault(key, Double.NaN)));
      }
      System.out.println(row);
    }
    System.out.println();
    System.out.println(
        "Mean milliseconds per step, audit log 'started' to 'succeeded' (the step's work and one"
            + " audit insert):");
    System.out.println();
    System.out.println(header);
    System.out.println(rule);
    java.util.Set<String> stepNames = new java.util.LinkedHashSet<>();
    all.forEach(r -> stepNames.addAll(r.steps().keySet()));
    for (String step : stepNames) {
      StringBuilder row = new StringBuilder("| ").append(step).append(" |");
      for (Result r : all) {
        row.append(String.format(" %.0f |", r.steps().getOrDefault(step, Double.NaN)));
      }
      System.out.println(row);
    }
    System.exit(0);
  }

  Result run(String label, boolean templateFastPath, String temporal, int tenants, int concurrency)
      throws Exception {
    try (ScratchDirectory scratch = ScratchDirectory.create("taskifai-bench")) {
      return run(scratch.path(), label, templateFastPath, temporal, tenants, concurrency);
    }
  }

  private Result run(
      Path home,
      String label,
      boolean templateFastPath,
      String temporal,
      int tenants,
      int concurrency)
      throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("TASKIFAI_TEMPORAL", temporal);
    for (String key : List.of("PATH", "HOME", "GOPATH", "TASKIFAI_TEMPORAL_CLI")) {
      if (System.getenv(key) != null) {
        env.put(key, System.getenv(key));
      }
    }
    env.put("TASKIFAI_TEMPLATE_FAST_PATH", Boolean.toString(templateFastPath));
    env.put("TASKIFAI_LOG_LEVEL", "WARN");
    env.put("TASKIFAI_DEV_DEMO", "false");
    freePorts(env);
    System.err.printf("bench: starting an embedded platform (%s) in %s%n", label, home);
    try (DevPlatform platform = DevPlatform.create(env, home)) {
      platform.start();
      Properties dev = devEnv(home);
      String admin = dev.getProperty("TASKIFAI_ADMIN_URL");
      String token = login(admin, dev);
      String prefix =
          (templateFastPath ? "t" : "m") + Long.toString(System.nanoTime() % 100_000, 36);
      // Warm-up: the first tenant builds the template database and warms the JIT; not counted.
      provision(admin, token, prefix + "-warm");
      Batch batch = provisionAll(admin, token, prefix, tenants, concurrency);
      List<Sample> samples = batch.samples();
      Map<String, Double> profile =
          profile(dev.getProperty("TASKIFAI_TEMPORAL_TARGET"), new ArrayList<>(samples));
      Map<String, Double> steps = steps(dev, new ArrayList<>(samples));
      return new Result(
          label,
          tenants,
          concurrency,
          new ArrayList<>(samples),
          batch.errors(),
          batch.seconds(),
          profile,
          steps);
    }
  }

  /** What {@link #provisionAll} measured: the tenants made, how many failed, the wall time. */
  record Batch(List<Sample> samples, int errors, double seconds) {}

  /**
   * Provisions {@code <prefix>-0} to {@code <prefix>-<tenants - 1>}, {@code concurrency} at a time;
   * a tenant that fails is counted and logged, and the others go on.
   */
  Batch provisionAll(String admin, String token, String prefix, int tenants, int concurrency)
      throws Exception {
    AtomicInteger errors = new AtomicInteger();
    List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    long start = System.nanoTime();
    List<Future<?>> futures = new ArrayList<>();
    for (int i = 0; i < tenants; i++) {
      String sub = prefix + "-" + i;
      futures.add(
          pool.submit(
              () -> {
                try {
                  samples.add(provision(admin, token, sub));
                } catch (Exception e) {
                  errors.incrementAndGet();
                  System.err.println("bench: " + sub + " failed: " + e.getMessage());
                }
              }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    double wall = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    return new Batch(List.copyOf(samples), errors.get(), wall);
  }

  /**
   * One tenant: POST, wait for AWAITING_VERIFICATION, open the verification link, wait for ACTIVE.
   */
  Sample provision(String admin, String token, String subdomain) throws Exception {
    String email = "admin@" + subdomain + ".bench.test";
    long t0 = System.nanoTime();
    HttpResponse<String> created =
        send(
            HttpRequest.newBuilder(URI.create(admin + "/admin/tenants"))
                .header("authorization", "Bearer " + token)
                .header("content-type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        JSON.writeValueAsString(body(subdomain, email)))));
    if (created.statusCode() != 202) {
      throw new IllegalStateException(
          "POST answered " + created.statusCode() + ": " + created.body());
    }
    String tenantId = JSON.readTree(created.body()).get("tenant_id").asText();
    awaitStatus(tenantId, "AWAITING_VERIFICATION");
    double toAwaiting = (System.nanoTime() - t0) / 1e9;
    String link = verificationLink(admin, token, email);
    HttpResponse<String> verified = VerificationLink.confirm(http, link);
    if (verified.statusCode() != 200) {
      throw new IllegalStateException("verification answered " + verified.statusCode());
    }
    awaitStatus(tenantId, "ACTIVE");
    return new Sample(toAwaiting, (System.nanoTime() - t0) / 1e9, subdomain, tenantId);
  }

  /**
   * Mean time per provisioning in each part of its history: workflow tasks waiting for a worker
   * (scheduled to started) and on it (started to completed), activities waiting (scheduled to
   * started) and running (started to completed), the verification (mail activity completed to the
   * signal) and the whole workflow; and how many workflow tasks and local activities it took. A
   * local activity runs inside its workflow task, so its time counts as the task's time on the
   * worker.
   */
  static Map<String, Double> profile(String temporalTarget, List<Sample> samples) {
    Map<String, Double> sums = new java.util.LinkedHashMap<>();
    PROFILE.forEach(k -> sums.put(k, 0.0));
    WorkflowServiceStubs stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(temporalTarget).build());
    int counted = 0;
    try {
      WorkflowClient client = WorkflowClient.newInstance(stubs);
      for (Sample sample : samples) {
        List<HistoryEvent> events =
            client
                .fetchHistory(ProvisionTenantWorkflow.workflowId(sample.subdomain()))
                .getHistory()
                .getEventsList();
        Map<Long, HistoryEvent> byId = new HashMap<>();
        events.forEach(e -> byId.put(e.getEventId(), e));
        long lastMailDone = -1;
        for (HistoryEvent e : events) {
          switch (e.getEventType()) {
            case EVENT_TYPE_WORKFLOW_TASK_STARTED ->
                add(
                    sums,
                    PROFILE.get(0),
                    byId.get(e.getWorkflowTaskStartedEventAttributes().getScheduledEventId()),
                    e);
            case EVENT_TYPE_WORKFLOW_TASK_COMPLETED -> {
              add(
                  sums,
                  PROFILE.get(1),
                  byId.get(e.getWorkflowTaskCompletedEventAttributes().getStartedEventId()),
                  e);
              sums.merge(PROFILE.get(6), 1.0, Double::sum);
            }
            case EVENT_TYPE_MARKER_RECORDED -> {
              if (e.getMarkerRecordedEventAttributes().getMarkerName().equals("LocalActivity")) {
                sums.merge(PROFILE.get(7), 1.0, Double::sum);
              }
            }
            case EVENT_TYPE_ACTIVITY_TASK_STARTED ->
                add(
                    sums,
                    PROFILE.get(2),
                    byId.get(e.getActivityTaskStartedEventAttributes().getScheduledEventId()),
                    e);
            case EVENT_TYPE_ACTIVITY_TASK_COMPLETED -> {
              add(
                  sums,
                  PROFILE.get(3),
                  byId.get(e.getActivityTaskCompletedEventAttributes().getStartedEventId()),
                  e);
              HistoryEvent scheduled =
                  byId.get(e.getActivityTaskCompletedEventAttributes().getScheduledEventId());
              if (scheduled != null
                  && scheduled
                      .getActivityTaskScheduledEventAttributes()
                      .getActivityType()
                      .getName()
                      .equals("send_verification_email")) {
                lastMailDone = e.getEventId();
              }
            }
            case EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED -> {
              if (lastMailDone > 0) {
                add(sums, PROFILE.get(4), byId.get(lastMailDone), e);
              }
            }
            case EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED ->
                add(sums, PROFILE.get(5), events.get(0), e);
            default -> {}
          }
        }
        counted++;
      }
    } catch (RuntimeException e) {
      System.err.println("bench: no profile: " + e);
    } finally {
      stubs.shutdownNow();
    }
    int n = Math.max(1, counted);
    Map<String, Double> means = new java.util.LinkedHashMap<>();
    sums.forEach((k, v) -> means.put(k, v / n));
    return means;
  }

  /**
   * Mean milliseconds of each provisioning step of the counted tenants, from the audit log's
   * started row of an attempt to its succeeded row (in the order the steps first started).
   */
  static Map<String, Double> steps(Properties dev, List<Sample> samples) {
    try {
      return new com.taskifai.registry.AuditLog(registryDatabase(dev))
          .meanStepMillis(
              "provision",
              samples.stream().map(s -> java.util.UUID.fromString(s.tenantId())).toList());
    } catch (org.springframework.dao.DataAccessException e) {
      System.err.println("bench: no step times: " + e.getMessage());
      return new java.util.LinkedHashMap<>();
    }
  }

  private static void add(
      Map<String, Double> sums, String key, HistoryEvent from, HistoryEvent to) {
    if (from == null) {
      return;
    }
    double millis =
        (to.getEventTime().getSeconds() - from.getEventTime().getSeconds()) * 1e3
            + (to.getEventTime().getNanos() - from.getEventTime().getNanos()) / 1e6;
    sums.merge(key, millis, Double::sum);
  }

  private Map<String, String> body(String subdomain, String email) {
    Map<String, String> body = new HashMap<>();
    body.put("company_name", "Bench " + subdomain);
    body.put("subdomain", subdomain);
    body.put("admin_email", email);
    if (tier != null) {
      body.put("tier", tier);
    }
    return body;
  }

  /**
   * Waits for the tenant's status, read from the registry every 20 ms. Not through {@code GET
   * /admin/tenants/{id}}: while a tenant is provisioning that answer includes its live steps, a
   * Temporal query that the worker running the provisioning must answer, so a benchmark polling it
   * every 20 ms for each tenant slowed down the very workflows it timed.
   */
  private void awaitStatus(String tenantId, String status) throws Exception {
    UUID id = UUID.fromString(tenantId);
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline) {
      String now = registry.findById(id).map(t -> t.status().name()).orElse("PROVISIONING");
      if (now.equals(status)) {
        return;
      }
      if (now.equals("FAILED") || now.equals("ROLLBACK_FAILED")) {
        throw new IllegalStateException("tenant " + tenantId + " ended " + now);
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException(
        "tenant " + tenantId + " did not reach " + status + " in 120 s");
  }

  private String verificationLink(String admin, String token, String email) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      JsonNode outbox =
          JSON.readTree(
              send(HttpRequest.newBuilder(URI.create(admin + "/admin/outbox"))
                      .header("authorization", "Bearer " + token))
                  .body());
      for (JsonNode m : outbox.path("messages")) {
        if (m.path("to").asText().contains(email)) {
          Matcher link = VERIFY_LINK.matcher(m.path("text").asText());
          if (link.find()) {
            return link.group();
          }
        }
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("no verification mail for " + email);
  }

  /** The platform database of the dev platform whose {@code dev.env} this is. */
  static org.postgresql.ds.PGSimpleDataSource registryDatabase(Properties dev) {
    org.postgresql.ds.PGSimpleDataSource db = new org.postgresql.ds.PGSimpleDataSource();
    db.setUrl(dev.getProperty("TASKIFAI_DB_URL"));
    db.setUser(dev.getProperty("TASKIFAI_DB_USER"));
    db.setPassword(dev.getProperty("TASKIFAI_DB_PASSWORD"));
    return db;
  }

  /** Signs the dev admin in, and opens the registry that {@link #awaitStatus} reads. */
  String login(String admin, Properties dev) throws Exception {
    registry = new com.taskifai.registry.TenantRegistry(registryDatabase(dev));
    String body =
        JSON.writeValueAsString(
            Map.of(
                "email", dev.getProperty("TASKIFAI_ADMIN_EMAIL"),
                "password", dev.getProperty("TASKIFAI_ADMIN_PASSWORD"),
                "totp",
                    TotpCodes.codeAt(
                        dev.getProperty("TASKIFAI_ADMIN_TOTP_SECRET"), Instant.now())));
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(URI.create(admin + "/admin/login"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    if (r.statusCode() != 200) {
      throw new IllegalStateException("login answered " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body()).get("access_token").asText();
  }

  private HttpResponse<String> send(HttpRequest.Builder request)
      throws IOException, InterruptedException {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static double pct(List<Double> sorted, int p) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(i, sorted.size() - 1)));
  }

  /**
   * Gives each of the dev platform's ports a free one, so a benchmark runs beside a dev platform.
   */
  static void freePorts(Map<String, String> env) throws IOException {
    for (String key :
        List.of(
            "TASKIFAI_ADMIN_PORT",
            "TASKIFAI_ROUTER_PORT",
            "TASKIFAI_ADMIN_MANAGEMENT_PORT",
            "TASKIFAI_ROUTER_MANAGEMENT_PORT",
            "TASKIFAI_PG_PORT",
            "TASKIFAI_TEMPORAL_PORT",
            "TASKIFAI_TEMPORAL_UI_PORT",
            "TASKIFAI_SMTP_PORT")) {
      env.put(key, Integer.toString(freePort()));
    }
  }

  /** What the started dev platform wrote to {@code dev.env} in its home. */
  static Properties devEnv(Path home) throws IOException {
    Properties dev = new Properties();
    try (var r = Files.newBufferedReader(home.resolve("dev.env"))) {
      dev.load(r);
    }
    return dev;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
