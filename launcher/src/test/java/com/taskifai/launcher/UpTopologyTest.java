package com.taskifai.launcher;

import static com.taskifai.launcher.Waiting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.taskifai.launcher.bench.VerificationLink;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.PendingActivityState;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code ./taskifai up} on this machine: two workers, two routers and one admin API as separate JVM
 * processes on the Temporal CLI's server. A worker SIGKILLed in the middle of a provisioning step
 * leaves the step to the other worker (one tenant database); a suspension reaches both routers
 * within a second; a killed router leaves the other serving every tenant, with tokens the dead one
 * issued. Skipped where no {@code temporal} binary is installed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UpTopologyTest extends PlatformHttpTest {
  private static final String PASSWORD = "correct horse battery";

  private Path home;
  private Map<String, String> env;
  private DevPlatform platform;
  private PlatformTopology topology;
  private Properties dev;
  private TenantRegistry registry;
  private WorkflowServiceStubs stubs;
  private String adminToken;

  /** The tenants this class made (subdomain to tenant id), all ACTIVE after the first test. */
  private final Map<String, UUID> tenants = new HashMap<>();

  /** Tenant user tokens issued by router-2 (subdomain to token), before it is killed. */
  private final Map<String, String> router2Tokens = new HashMap<>();

  @BeforeAll
  void startTheTopology() throws Exception {
    assumeTrue(
        TemporalCli.find(System.getenv()).isPresent(),
        "no temporal binary (go install github.com/temporalio/cli/cmd/temporal@v1.5.1)");
    home = Files.createTempDirectory("taskifai-up");
    env = environment();
    platform = new DevPlatform(env, home, true);
    try {
      platform.start();
    } catch (Exception e) {
      keepLogs();
      throw e;
    }
    topology = platform.topology().orElseThrow();
    dev = DevPlatformTest.devFile(home);
    registry = new TenantRegistry(DevPlatformTest.platformDataSource(dev));
    stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder()
                .setTarget(dev.getProperty("TASKIFAI_TEMPORAL_TARGET"))
                .build());
    adminToken = login();
  }

  private static Map<String, String> environment() {
    Map<String, String> env = new HashMap<>();
    env.put("PATH", System.getenv().getOrDefault("PATH", ""));
    System.getenv()
        .forEach(
            (k, v) -> {
              if (k.equals("GOPATH") || k.equals("TASKIFAI_TEMPORAL_CLI") || k.equals("HOME")) {
                env.put(k, v);
              }
            });
    env.put("TASKIFAI_TEMPORAL", "cli");
    env.put("TASKIFAI_FAULT_INJECTION", "true");
    // Quick to start on a busy machine; these JVMs live for one test class.
    env.put(
        PlatformTopology.CHILD_JAVA_OPTS,
        "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx384m -Xss512k");
    List<String> keys =
        List.of(
            "TASKIFAI_ADMIN_PORT",
            "TASKIFAI_ROUTER_PORT",
            "TASKIFAI_ROUTER2_PORT",
            "TASKIFAI_ADMIN_MANAGEMENT_PORT",
            "TASKIFAI_ROUTER_MANAGEMENT_PORT",
            "TASKIFAI_ROUTER2_MANAGEMENT_PORT",
            "TASKIFAI_WORKER_MANAGEMENT_PORT",
            "TASKIFAI_WORKER2_MANAGEMENT_PORT",
            "TASKIFAI_PG_PORT",
            "TASKIFAI_TEMPORAL_PORT",
            "TASKIFAI_TEMPORAL_UI_PORT",
            "TASKIFAI_SMTP_PORT");
    List<Integer> ports = LocalResources.distinctFreePorts(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      env.put(keys.get(i), Integer.toString(ports.get(i)));
    }
    return env;
  }

  @AfterAll
  void stopTheTopology() {
    if (stubs != null) {
      stubs.shutdownNow();
    }
    List<Process> processes =
        topology == null
            ? List.of()
            : topology.children().stream().map(PlatformTopology.Child::process).toList();
    if (platform != null) {
      platform.close();
    }
    // Every platform process is gone: none outlives the launcher.
    for (Process p : processes) {
      assertThat(p.isAlive()).as("pid %d after close", p.pid()).isFalse();
    }
    keepLogs();
    LocalResources.deleteTree(home);
  }

  @Test
  @Order(0)
  void everyProcessListensOnTheDevAddressOnly() {
    for (String key :
        List.of(
            "TASKIFAI_ADMIN_PORT",
            "TASKIFAI_ROUTER_PORT",
            "TASKIFAI_ROUTER2_PORT",
            "TASKIFAI_ADMIN_MANAGEMENT_PORT",
            "TASKIFAI_ROUTER_MANAGEMENT_PORT",
            "TASKIFAI_ROUTER2_MANAGEMENT_PORT",
            "TASKIFAI_WORKER_MANAGEMENT_PORT",
            "TASKIFAI_WORKER2_MANAGEMENT_PORT",
            "TASKIFAI_SMTP_PORT")) {
      int port = Integer.parseInt(env.get(key));
      assertThat(DevPlatform.listening("127.0.0.1", port, Duration.ofSeconds(1)))
          .as(key + " on 127.0.0.1")
          .isTrue();
      // 127.0.0.2 reaches any listener bound to every interface.
      assertThat(DevPlatform.listening("127.0.0.2", port, Duration.ofSeconds(1)))
          .as(key + " on another address")
          .isFalse();
    }
  }

  // ---- (1) a worker killed in the middle of a step ------------------------------------------

  @Test
  @Order(1)
  void aWorkerKilledInTheMiddleOfAStepLeavesItToTheOtherWorkerWithOneDatabase() throws Exception {
    // create_database does its work, then holds its worker (fault injection ':stall').
    UUID stalled = createTenant("stalled" + shortId(), "create_database:stall");
    // A second tenant, provisioned alongside, for the routing tests.
    UUID plain = createTenant("plain" + shortId(), null);
    String databaseName = "tenant_" + stalled.toString().replace("-", "");
    String workflowId = workflowIdOf(stalled);

    PendingActivityInfo holding =
        await(
            "create_database to be running on a worker",
            Duration.ofSeconds(90),
            () ->
                stubs
                    .blockingStub()
                    .describeWorkflowExecution(
                        DescribeWorkflowExecutionRequest.newBuilder()
                            .setNamespace("default")
                            .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                            .build())
                    .getPendingActivitiesList()
                    .stream()
                    .filter(a -> a.getActivityType().getName().equals("create_database"))
                    .filter(
                        a -> a.getState() == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED)
                    .filter(a -> !a.getLastWorkerIdentity().isBlank())
                    .findFirst());
    assertThat(holding.getAttempt()).isEqualTo(1);
    // The step's effect is done: the retry has to find the database already there.
    await(
        "the tenant database to exist",
        Duration.ofSeconds(30),
        () -> countDatabases(databaseName) == 1 ? Optional.of(true) : Optional.empty());

    String identity = holding.getLastWorkerIdentity();
    long pid = Long.parseLong(identity.substring(0, identity.indexOf('@')));
    PlatformTopology.Child victim =
        topology.byPid(pid).orElseThrow(() -> new AssertionError("no child runs " + identity));
    assertThat(victim.role).isEqualTo("worker");
    victim.process().destroyForcibly();
    assertThat(victim.process().waitFor(10, TimeUnit.SECONDS)).isTrue();

    for (String subdomain : List.of(subdomainOf(stalled), subdomainOf(plain))) {
      String link = awaitMailLink(subdomain, "/verify-email\\?token=[A-Za-z0-9._~-]+");
      assertThat(VerificationLink.confirm(http, link).statusCode()).isEqualTo(200);
    }
    awaitStatus(stalled, TenantStatus.ACTIVE, Duration.ofSeconds(120));
    awaitStatus(plain, TenantStatus.ACTIVE, Duration.ofSeconds(60));
    assertThat(countDatabases(databaseName)).isEqualTo(1);

    // The step completed on the other worker, on a later attempt.
    List<HistoryEvent> events =
        WorkflowClient.newInstance(stubs).fetchHistory(workflowId).getHistory().getEventsList();
    long scheduledId =
        events.stream()
            .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
            .filter(
                e ->
                    e.getActivityTaskScheduledEventAttributes()
                        .getActivityType()
                        .getName()
                        .equals("create_database"))
            .findFirst()
            .orElseThrow()
            .getEventId();
    HistoryEvent started =
        events.stream()
            .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED)
            .filter(
                e -> e.getActivityTaskStartedEventAttributes().getScheduledEventId() == scheduledId)
            .findFirst()
            .orElseThrow();
    assertThat(started.getActivityTaskStartedEventAttributes().getAttempt()).isGreaterThan(1);
    assertThat(started.getActivityTaskStartedEventAttributes().getIdentity())
        .isNotEqualTo(identity);
    assertThat(
            events.stream()
                .anyMatch(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED))
        .isTrue();
  }

  // ---- (2) a suspension reaches both routers ------------------------------------------------

  @Test
  @Order(2)
  void aSuspensionReachesBothRoutersWithinOneSecond() throws Exception {
    UUID tenant = activeTenants().get(0);
    String subdomain = subdomainOf(tenant);
    String token = tenantToken(subdomain, routerPort(1));
    for (int router = 1; router <= 2; router++) {
      assertThat(products(subdomain, router, token).statusCode()).isEqualTo(200);
    }

    HttpResponse<String> suspend =
        post(adminUrl() + "/admin/tenants/" + tenant + "/suspend", adminToken, Map.of(), null);
    assertThat(suspend.statusCode()).as(suspend.body()).isEqualTo(202);
    // From the moment the registry holds the suspension, each router has one second.
    await(
        "the registry to hold the suspension",
        Duration.ofSeconds(60),
        () -> registry.findById(tenant).filter(t -> t.status() == TenantStatus.SUSPENDED),
        Duration.ofMillis(10));
    long committed = System.nanoTime();
    boolean[] refused = new boolean[3];
    long[] refusedAfter = new long[3];
    while (!(refused[1] && refused[2])) {
      for (int router = 1; router <= 2; router++) {
        if (!refused[router]) {
          HttpResponse<String> r = products(subdomain, router, token);
          if (r.statusCode() == 403 && r.body().contains("no active tenant")) {
            refused[router] = true;
            refusedAfter[router] = (System.nanoTime() - committed) / 1_000_000;
          }
        }
      }
      if (System.nanoTime() - committed > Duration.ofSeconds(10).toNanos()) {
        break;
      }
    }
    System.out.printf(
        "suspension seen by router-1 after %d ms, router-2 after %d ms%n",
        refusedAfter[1], refusedAfter[2]);
    assertThat(refused[1] && refused[2]).as("both routers refuse the suspended tenant").isTrue();
    assertThat(Math.max(refusedAfter[1], refusedAfter[2])).isLessThanOrEqualTo(1_000);

    HttpResponse<String> reactivate =
        post(adminUrl() + "/admin/tenants/" + tenant + "/reactivate", adminToken, Map.of(), null);
    assertThat(reactivate.statusCode()).as(reactivate.body()).isEqualTo(202);
    for (int router = 1; router <= 2; router++) {
      int r = router;
      await(
          "router-" + router + " to serve the reactivated tenant",
          Duration.ofSeconds(60),
          () -> {
            try {
              return products(subdomain, r, token).statusCode() == 200
                  ? Optional.of(true)
                  : Optional.empty();
            } catch (Exception e) {
              return Optional.empty();
            }
          });
    }
  }

  // ---- (3) a router killed ------------------------------------------------------------------

  @Test
  @Order(3)
  void aKilledRouterLeavesTheOtherServingEveryTenantWithTheTokensItIssued() throws Exception {
    List<UUID> active = activeTenants();
    assertThat(active).hasSizeGreaterThanOrEqualTo(2);
    for (UUID tenant : active) {
      String subdomain = subdomainOf(tenant);
      router2Tokens.put(subdomain, tenantToken(subdomain, routerPort(2)));
    }
    PlatformTopology.Child router2 = topology.child("router-2");
    router2.process().destroyForcibly();
    assertThat(router2.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(DevPlatform.listening("127.0.0.1", routerPort(2), Duration.ofMillis(500))).isFalse();

    for (UUID tenant : active) {
      String subdomain = subdomainOf(tenant);
      // A token router-2 issued before it died is good on router-1.
      HttpResponse<String> r = products(subdomain, 1, router2Tokens.get(subdomain));
      assertThat(r.statusCode()).as(subdomain + ": " + r.body()).isEqualTo(200);
      // And router-1 refuses a token for another tenant: it checks, it does not just pass.
      String other =
          router2Tokens.entrySet().stream()
              .filter(e -> !e.getKey().equals(subdomain))
              .findFirst()
              .orElseThrow()
              .getValue();
      assertThat(products(subdomain, 1, other).statusCode()).isEqualTo(403);
    }
  }

  // ---- tenants ------------------------------------------------------------------------------

  private List<UUID> activeTenants() {
    List<UUID> active =
        tenants.values().stream()
            .filter(
                id ->
                    registry.findById(id).map(t -> t.status() == TenantStatus.ACTIVE).orElse(false))
            .toList();
    if (active.isEmpty()) {
      fail("no active tenant: did the first test fail?");
    }
    return active;
  }

  private UUID createTenant(String subdomain, String fault) throws Exception {
    Map<String, String> body = new HashMap<>();
    body.put("company_name", "Up " + subdomain);
    body.put("subdomain", subdomain);
    body.put("admin_email", "owner@" + subdomain + ".test");
    if (fault != null) {
      body.put("inject_fault", fault);
    }
    HttpResponse<String> r = post(adminUrl() + "/admin/tenants", adminToken, body, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    UUID id = UUID.fromString(JSON.readTree(r.body()).get("tenant_id").asText());
    tenants.put(subdomain, id);
    return id;
  }

  private String subdomainOf(UUID tenant) {
    return tenants.entrySet().stream()
        .filter(e -> e.getValue().equals(tenant))
        .findFirst()
        .orElseThrow()
        .getKey();
  }

  private String workflowIdOf(UUID tenant) {
    return com.taskifai.workflows.provisioning.ProvisionTenantWorkflow.workflowId(
        subdomainOf(tenant));
  }

  /**
   * Every query of the Grafana dashboards and the alert rules that reads the workers' Temporal SDK
   * metrics reads one they export, with the labels it matches on (the rest is checked on the dev
   * platform by {@link CostReportTest}, where tenants have costs and uploads).
   */
  @Test
  @Order(20)
  void everyDashboardAndAlertQueryReadsAMetricTheProcessesExport() throws Exception {
    // The tests above killed a worker and a router: scrape whichever of each kind answers.
    List<String> scrapes = new java.util.ArrayList<>();
    for (List<String> kind :
        List.of(
            List.of("TASKIFAI_ADMIN_MANAGEMENT_PORT"),
            List.of("TASKIFAI_ROUTER_MANAGEMENT_PORT", "TASKIFAI_ROUTER2_MANAGEMENT_PORT"),
            List.of("TASKIFAI_WORKER_MANAGEMENT_PORT", "TASKIFAI_WORKER2_MANAGEMENT_PORT"))) {
      int answered = 0;
      for (String key : kind) {
        try {
          var response =
              http.send(
                  java.net.http.HttpRequest.newBuilder(
                          java.net.URI.create(
                              "http://127.0.0.1:" + env.get(key) + "/actuator/prometheus"))
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString());
          if (response.statusCode() == 200) {
            scrapes.add(response.body());
            answered++;
          }
        } catch (java.io.IOException down) {
          // killed by an earlier test
        }
      }
      assertThat(answered).as("processes answering of " + kind).isPositive();
    }
    MetricQueries.assertAllExported(
        Path.of("").toAbsolutePath().getParent(), scrapes, m -> m.startsWith("temporal_"));
  }

  private void awaitStatus(UUID tenant, TenantStatus status, Duration limit) {
    await(
        tenant + " to become " + status,
        limit,
        () -> registry.findById(tenant).filter(t -> t.status() == status));
  }

  /** A tenant user token from the given router: the owner sets a password (once), then logs in. */
  private String tenantToken(String subdomain, int routerPort) throws Exception {
    String host = subdomain + ".localhost:" + routerPort;
    String router = "http://localhost:" + routerPort;
    String email = "owner@" + subdomain + ".test";
    HttpResponse<String> login =
        post(router + "/api/auth/login", null, Map.of("email", email, "password", PASSWORD), host);
    if (login.statusCode() != 200) {
      String link = awaitMailLink(subdomain, "/set-password\\?token=[A-Za-z0-9._~-]+");
      String token = link.substring(link.indexOf("token=") + 6);
      HttpResponse<String> set =
          post(
              router + "/api/auth/set-password",
              null,
              Map.of("token", token, "password", PASSWORD),
              host);
      assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
      login =
          post(
              router + "/api/auth/login", null, Map.of("email", email, "password", PASSWORD), host);
    }
    assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
    return JSON.readTree(login.body()).get("access_token").asText();
  }

  private HttpResponse<String> products(String subdomain, int router, String token)
      throws Exception {
    int port = routerPort(router);
    return get(
        "http://localhost:" + port + "/api/products", token, subdomain + ".localhost:" + port);
  }

  private int routerPort(int router) {
    return Integer.parseInt(
        env.get(router == 1 ? "TASKIFAI_ROUTER_PORT" : "TASKIFAI_ROUTER2_PORT"));
  }

  // ---- admin API ----------------------------------------------------------------------------

  private String adminUrl() {
    return dev.getProperty("TASKIFAI_ADMIN_URL");
  }

  private String login() throws Exception {
    return adminLogin(dev);
  }

  /** A link from the newest mail to the tenant's owner, from the portal's dev outbox. */
  private String awaitMailLink(String subdomain, String pattern) {
    Pattern link = Pattern.compile("https?://[^\\s\"<>]*" + pattern);
    return await(
        "a mail to " + subdomain + " with a link " + pattern,
        Duration.ofSeconds(90),
        () -> {
          try {
            HttpResponse<String> r = get(adminUrl() + "/admin/outbox", adminToken, null);
            for (JsonNode m : JSON.readTree(r.body()).path("messages")) {
              if (!m.path("to").asText().contains("@" + subdomain + ".test")) {
                continue;
              }
              Matcher found = link.matcher(m.path("text").asText());
              if (found.find()) {
                return Optional.of(found.group());
              }
            }
            return Optional.empty();
          } catch (Exception e) {
            return Optional.empty();
          }
        });
  }

  // ---- PostgreSQL ---------------------------------------------------------------------------

  private long countDatabases(String name) {
    String cluster =
        dev.getProperty("TASKIFAI_DB_URL").replaceFirst("/[^/?]+(\\?.*)?$", "/postgres$1");
    try (Connection c =
            DevPlatform.dataSource(
                    cluster,
                    dev.getProperty("TASKIFAI_DB_ADMIN_USER"),
                    dev.getProperty("TASKIFAI_DB_ADMIN_PASSWORD"))
                .getConnection();
        PreparedStatement st =
            c.prepareStatement("SELECT count(*) FROM pg_database WHERE datname = ?")) {
      st.setString(1, name);
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** The processes' logs, kept under target/ for a look after a failure. */
  private void keepLogs() {
    if (home == null) {
      return;
    }
    try (var logs = Files.list(home.resolve("logs"))) {
      Path target = Path.of("target", "up-logs");
      Files.createDirectories(target);
      for (Path log : logs.toList()) {
        Files.copy(log, target.resolve(log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
      Path temporal = home.resolve("temporal.log");
      if (Files.exists(temporal)) {
        Files.copy(temporal, target.resolve("temporal.log"), StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      // Only a help for debugging.
    }
  }

  private static String shortId() {
    return UUID.randomUUID().toString().substring(0, 8);
  }
}
