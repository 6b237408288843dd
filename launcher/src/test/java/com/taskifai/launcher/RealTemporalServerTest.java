package com.taskifai.launcher;

import static com.taskifai.launcher.Waiting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.taskifai.api.auth.TotpCodes;
import com.taskifai.api.dev.OutboxMessage;
import com.taskifai.launcher.bench.VerificationLink;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.workflows.costs.CostSampleWorkflow;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.reconcile.ReconcileFleetWorkflow;
import com.taskifai.workflows.testing.HistoryText;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleClientOptions;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dev platform on the Temporal CLI's dev server, a real Temporal server with SQLite persistence
 * and Temporal UI: a SIGKILLed server is started again on its database file mid-provisioning and
 * the tenant still comes up; visibility queries by search attribute; the UI shows the workflow's
 * steps; the stored history holds no secret. Skipped where no {@code temporal} binary is installed.
 *
 * <p>SMTP starts out unreachable (no server on TASKIFAI_SMTP_PORT), so provisioning stops at
 * send_verification_email retrying with backoff: a known point in the middle of provisioning, after
 * the tenant database exists, where the server is killed. The mail server comes up afterwards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealTemporalServerTest {
  private static final Duration PROVISIONING_LIMIT = Duration.ofSeconds(100);
  private static final Pattern VERIFY_LINK =
      Pattern.compile("http://\\S+/verify-email\\?token=([A-Za-z0-9_\\-=.]+)");
  private static final Pattern SET_PASSWORD_LINK =
      Pattern.compile("/set-password\\?token=([A-Za-z0-9_\\-=.]+)");

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  private Path home;
  private Map<String, String> env;
  private DevPlatform platform;
  private TemporalCli server;
  private Properties devEnv;
  private TenantRegistry registry;
  private WorkflowServiceStubs stubs;
  private WorkflowClient client;
  private GreenMail mail;
  private GreenMailOutbox outbox;
  private String accessToken;
  private ProvisionedTenant provisioned;

  /** A tenant that reached ACTIVE, with the tokens its mails carried. */
  record ProvisionedTenant(
      UUID tenantId, String subdomain, String workflowId, String verificationToken) {}

  @BeforeAll
  void startPlatformOnTheTemporalCli() throws Exception {
    assumeTrue(
        TemporalCli.find(System.getenv()).isPresent(),
        "no temporal binary (go install github.com/temporalio/cli/cmd/temporal@v1.5.1)");
    // Free ports are only probed, so another program on this busy machine may take one before the
    // platform binds it; then the start fails, and one more try on fresh ports is fair.
    for (int attempt = 1; ; attempt++) {
      home = Files.createTempDirectory("taskifai-real-temporal");
      env = environment();
      platform = new DevPlatform(env, home);
      try {
        platform.start();
        break;
      } catch (Exception e) {
        platform.close();
        keepServerLog("real-temporal-server-failed-start.log");
        LocalResources.deleteTree(home);
        if (attempt == 2) {
          throw e;
        }
        System.err.println("dev platform start failed (" + e + "); trying again on fresh ports");
      }
    }
    server =
        platform.temporalCli().orElseThrow(() -> new AssertionError("not on the Temporal CLI"));
    devEnv = DevPlatformTest.devFile(home);
    registry = new TenantRegistry(DevPlatformTest.platformDataSource(devEnv));
    stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder()
                .setTarget(devEnv.getProperty("TASKIFAI_TEMPORAL_TARGET"))
                .build());
    client = WorkflowClient.newInstance(stubs);
    accessToken = login();
  }

  private static Map<String, String> environment() {
    Map<String, String> env = new HashMap<>();
    env.put("PATH", System.getenv().getOrDefault("PATH", ""));
    env.put("TASKIFAI_TEMPORAL", "cli");
    List<Integer> ports = LocalResources.distinctFreePorts(8);
    List.of(
            "TASKIFAI_ADMIN_PORT",
            "TASKIFAI_ROUTER_PORT",
            "TASKIFAI_ADMIN_MANAGEMENT_PORT",
            "TASKIFAI_ROUTER_MANAGEMENT_PORT",
            "TASKIFAI_PG_PORT",
            "TASKIFAI_TEMPORAL_PORT",
            "TASKIFAI_SMTP_PORT",
            "TASKIFAI_TEMPORAL_UI_PORT")
        .forEach(key -> env.put(key, Integer.toString(ports.remove(0))));
    // A mail server named but not running: the test starts it once the Temporal server was killed.
    env.put("TASKIFAI_SMTP_HOST", "127.0.0.1");
    // Scheme and port of the tenants' URLs (the welcome mail's set-password link).
    env.put("TASKIFAI_ROUTER_URL", "http://localhost:" + env.get("TASKIFAI_ROUTER_PORT"));
    System.getenv()
        .forEach(
            (k, v) -> {
              if (k.equals("GOPATH") || k.equals("TASKIFAI_TEMPORAL_CLI")) {
                env.put(k, v);
              }
            });
    return env;
  }

  @AfterAll
  void stopPlatform() {
    if (stubs != null) {
      stubs.shutdownNow();
    }
    if (platform != null) {
      platform.close();
    }
    if (mail != null) {
      mail.stop();
    }
    keepServerLog("real-temporal-server.log");
    LocalResources.deleteTree(home);
  }

  /** The Temporal server's log, kept under target/ for a look after a failure. */
  private void keepServerLog(String name) {
    try {
      Path log = home == null ? null : home.resolve("temporal.log");
      if (log != null && Files.exists(log)) {
        Files.createDirectories(Path.of("target"));
        Files.copy(log, Path.of("target", name), StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      // Only a help for debugging.
    }
  }

  @Test
  @Order(1)
  void tenantReachesActiveWithOneDatabaseAfterTheTemporalServerIsKilledMidProvisioning()
      throws Exception {
    long tenantDatabasesBefore = countTenantDatabases();
    String subdomain = "durable" + shortId();
    JsonNode accepted = createTenant(subdomain);
    UUID tenantId = UUID.fromString(accepted.get("tenant_id").asText());
    String workflowId = accepted.get("workflow_id").asText();
    assertThat(workflowId).isEqualTo(ProvisionTenantWorkflow.workflowId(subdomain));

    // Mid-provisioning: the database exists, the verification mail fails and is being retried.
    PendingActivityInfo retrying =
        await(
            "send_verification_email to fail at least once",
            Duration.ofSeconds(60),
            () ->
                describe(workflowId).getPendingActivitiesList().stream()
                    .filter(a -> a.getActivityType().getName().equals("send_verification_email"))
                    .filter(a -> a.getAttempt() >= 2)
                    .findFirst());
    assertThat(retrying.getLastFailure().getMessage()).isNotBlank();
    String runId = describe(workflowId).getWorkflowExecutionInfo().getExecution().getRunId();
    assertThat(registry.findById(tenantId).orElseThrow().status())
        .isEqualTo(TenantStatus.PROVISIONING);
    String databaseName = "tenant_" + tenantId.toString().replace("-", "");
    assertThat(countDatabases(databaseName)).isEqualTo(1);

    long killedPid = server.pid();
    server.kill();
    assertThat(ProcessHandle.of(killedPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    int temporalPort = Integer.parseInt(env.get("TASKIFAI_TEMPORAL_PORT"));
    assertThat(DevPlatform.listening("127.0.0.1", temporalPort, Duration.ofMillis(500))).isFalse();

    // While the server is down, a request that needs it answers 503 within 5 s, not after the
    // SDK's minute of retries; what the registry knows is still shown.
    long before = System.nanoTime();
    HttpResponse<String> refused = postTenant("outage" + shortId());
    long refusedMillis = (System.nanoTime() - before) / 1_000_000;
    System.out.println(
        "POST /admin/tenants with the Temporal server killed: " + refusedMillis + " ms");
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
    assertThat(json.readTree(refused.body()).get("error").asText())
        .isEqualTo("temporal_unavailable");
    assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    assertThat(refusedMillis).isLessThanOrEqualTo(5_000);
    JsonNode during = getJson("/admin/tenants/" + tenantId);
    assertThat(during.get("status").asText()).isEqualTo("PROVISIONING");
    assertThat(during.get("workflow_service").asText()).isEqualTo("unavailable");
    assertThat(during.get("steps_source").asText()).isEqualTo("audit_log");

    server.start();
    assertThat(server.pid()).isNotEqualTo(killedPid);
    // The same run, with its retrying activity, came back from the SQLite file.
    DescribeWorkflowExecutionResponse after =
        await(
            "the restarted server to answer",
            Duration.ofSeconds(30),
            () -> tryDescribe(workflowId));
    assertThat(after.getWorkflowExecutionInfo().getExecution().getRunId()).isEqualTo(runId);
    assertThat(after.getWorkflowExecutionInfo().getStatus())
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
    assertThat(after.getPendingActivitiesList())
        .extracting(a -> a.getActivityType().getName())
        .containsExactly("send_verification_email");
    // The same API process accepts requests again, without a restart.
    JsonNode acceptedAfter =
        await(
            "a new tenant to be accepted after the restart",
            Duration.ofSeconds(30),
            () -> {
              try {
                HttpResponse<String> r = postTenant("after" + shortId());
                return r.statusCode() == 202
                    ? Optional.of(json.readTree(r.body()))
                    : Optional.<JsonNode>empty();
              } catch (Exception e) {
                return Optional.<JsonNode>empty();
              }
            });
    assertThat(acceptedAfter.get("workflow_id").asText()).startsWith("tenant-provision-after");

    startMailServer();
    String verificationToken = verificationToken(tenantId, subdomain);
    HttpResponse<String> verified =
        VerificationLink.confirm(http, verificationLink(verificationToken));
    assertThat(verified.statusCode()).as(verified.body()).isEqualTo(200);

    Tenant active = awaitStatus(tenantId, TenantStatus.ACTIVE);
    assertThat(active.databaseName()).isEqualTo(databaseName);
    assertThat(countDatabases(databaseName)).isEqualTo(1);
    // One more tenant database, not counting the tenant accepted after the restart.
    String afterDatabase = "tenant_" + acceptedAfter.get("tenant_id").asText().replace("-", "");
    assertThat(countTenantDatabases() - countDatabases(afterDatabase))
        .isEqualTo(tenantDatabasesBefore + 1);
    DescribeWorkflowExecutionResponse done =
        await(
            "the provisioning workflow to complete",
            Duration.ofSeconds(30),
            () ->
                Optional.of(describe(workflowId))
                    .filter(
                        d ->
                            d.getWorkflowExecutionInfo().getStatus()
                                == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED));
    assertThat(done.getWorkflowExecutionInfo().getExecution().getRunId()).isEqualTo(runId);
    JsonNode detail = getJson("/admin/tenants/" + tenantId);
    assertThat(detail.get("status").asText()).isEqualTo("ACTIVE");

    provisioned = new ProvisionedTenant(tenantId, subdomain, workflowId, verificationToken);
  }

  @Test
  @Order(2)
  void theCostSamplingAndReconcilerSchedulesRunOnceAtStartNotOnlyAfterTheirInterval()
      throws Exception {
    ScheduleClient schedules =
        ScheduleClient.newInstance(
            stubs, ScheduleClientOptions.newBuilder().setNamespace("default").build());
    for (String id : List.of(CostSampleWorkflow.SCHEDULE_ID, ReconcileFleetWorkflow.SCHEDULE_ID)) {
      // Both intervals are far longer than this test: a run means the first one started at once.
      long actions =
          await(
              "schedule " + id + " to start its first run",
              Duration.ofSeconds(30),
              () -> {
                long n = schedules.getHandle(id).describe().getInfo().getNumActions();
                return n > 0 ? Optional.of(n) : Optional.empty();
              });
      assertThat(actions).as(id).isGreaterThanOrEqualTo(1);
    }
  }

  @Test
  @Order(2)
  void listWorkflowExecutionsFindsTheProvisioningWorkflowBySubdomain() throws Exception {
    ProvisionedTenant tenant = activeTenant();
    List<WorkflowExecutionInfo> found =
        await(
            "visibility to list the workflow",
            Duration.ofSeconds(10),
            () -> {
              List<WorkflowExecutionInfo> list = list("Subdomain=\"" + tenant.subdomain() + "\"");
              return list.isEmpty() ? Optional.empty() : Optional.of(list);
            });
    assertThat(found)
        .extracting(i -> i.getExecution().getWorkflowId())
        .containsExactly(tenant.workflowId());
    assertThat(found.get(0).getType().getName()).isEqualTo("ProvisionTenantWorkflow");
    Payload tenantIdAttribute =
        found.get(0).getSearchAttributes().getIndexedFieldsOrThrow("TenantId");
    assertThat(
            DefaultDataConverter.STANDARD_INSTANCE.fromPayload(
                tenantIdAttribute, String.class, String.class))
        .isEqualTo(tenant.tenantId().toString());
    assertThat(list("TenantId=\"" + tenant.tenantId() + "\""))
        .extracting(i -> i.getExecution().getWorkflowId())
        .contains(tenant.workflowId());
    // The query selects: another subdomain's list does not hold this workflow.
    assertThat(list("Subdomain=\"nobody" + shortId() + "\"")).isEmpty();
  }

  @Test
  @Order(3)
  void temporalUiShowsTheProvisioningWorkflowWithItsStepsAsActivities() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/chromium")), "no /usr/bin/chromium");
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/chromedriver")), "no /usr/bin/chromedriver");
    ProvisionedTenant tenant = activeTenant();
    String uiUrl = devEnv.getProperty("TASKIFAI_TEMPORAL_UI_URL");
    assertThat(uiUrl).isEqualTo("http://localhost:" + env.get("TASKIFAI_TEMPORAL_UI_PORT"));

    Path profile = Files.createTempDirectory("chromium-profile");
    ChromeOptions options = new ChromeOptions();
    options.setBinary("/usr/bin/chromium");
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1600,1700",
        "--user-data-dir=" + profile);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File("/usr/bin/chromedriver"))
            .usingAnyFreePort()
            .build();
    ChromeDriver browser = new ChromeDriver(service, options);
    try {
      browser.get(uiUrl + "/namespaces/default/workflows/" + tenant.workflowId());
      new WebDriverWait(browser, Duration.ofSeconds(45))
          .until(
              b ->
                  b.getPageSource().contains("create_database")
                      && b.getPageSource().contains("send_verification_email"));
      String page = browser.getPageSource();
      assertThat(page).contains(tenant.workflowId(), "ProvisionTenantWorkflow", "activate_tenant");
      Path screenshots = Path.of("target", "screenshots");
      Files.createDirectories(screenshots);
      Path shot = screenshots.resolve("temporal-ui-" + tenant.subdomain() + ".png");
      Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));
      assertThat(Files.size(shot)).isGreaterThan(10_000);

      // The portal's link for the tenant opens the list filtered by its subdomain.
      JsonNode detail = getJson("/admin/tenants/" + tenant.tenantId());
      String link = detail.get("temporal_ui_url").asText();
      assertThat(link).startsWith(uiUrl + "/namespaces/default/workflows?query=");
      browser.get(link);
      new WebDriverWait(browser, Duration.ofSeconds(30))
          .until(b -> b.getPageSource().contains(tenant.workflowId()));
      Files.write(
          screenshots.resolve("temporal-ui-list-" + tenant.subdomain() + ".png"),
          ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    } finally {
      browser.quit();
      LocalResources.deleteTree(profile);
    }
  }

  @Test
  @Order(4)
  void workflowHistoryOnTheRealServerHoldsNoSecret() throws Exception {
    ProvisionedTenant tenant = activeTenant();
    Tenant row = registry.findById(tenant.tenantId()).orElseThrow();
    CredentialCipher cipher =
        new CredentialCipher(KeyRing.loadOrCreate(home.resolve("master.keys")));
    String appPassword = TenantCredentials.decrypt(cipher, row).password();
    String setPasswordToken = setPasswordToken(tenant);

    List<String> secrets = new ArrayList<>();
    secrets.add(appPassword);
    secrets.add(tenant.verificationToken());
    secrets.add(setPasswordToken);
    secrets.add(devEnv.getProperty("TASKIFAI_ADMIN_PASSWORD"));
    secrets.add(devEnv.getProperty("TASKIFAI_ADMIN_TOTP_SECRET"));
    secrets.add(devEnv.getProperty("TASKIFAI_DB_PASSWORD"));
    secrets.add(devEnv.getProperty("TASKIFAI_DB_ADMIN_PASSWORD"));
    secrets.add(devEnv.getProperty("TASKIFAI_TENANT_JWT_SECRET"));
    for (String line : Files.readAllLines(home.resolve("master.keys"))) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String material = line.substring(line.indexOf(':') + 1).strip();
      byte[] raw = Base64.getDecoder().decode(material);
      secrets.add(material);
      secrets.add(Base64.getUrlEncoder().withoutPadding().encodeToString(raw));
      secrets.add(HexFormat.of().formatHex(raw));
    }
    assertThat(secrets).allSatisfy(s -> assertThat(s).isNotNull().hasSizeGreaterThanOrEqualTo(12));

    String history = historyText(tenant.workflowId());
    // It is the real history: the tenant, its steps, the completed run.
    assertThat(history)
        .contains(tenant.tenantId().toString(), "create_database", "activate_tenant", "ACTIVE");
    for (String secret : secrets) {
      assertThat(history).doesNotContain(secret);
    }
  }

  // ---- tenants ------------------------------------------------------------------------------

  /** The tenant of the durability test, or (when that did not run) a new one. */
  @Test
  @Order(5)
  void aRolloutsTenantChildrenAreFoundByTheMigrationIdSearchAttribute() throws Exception {
    ProvisionedTenant tenant = activeTenant();
    // The registry forgets the tenant's version, so the rollout visits it (Flyway finds nothing).
    try (var c =
            DevPlatform.dataSource(
                    devEnv.getProperty("TASKIFAI_DB_URL"),
                    devEnv.getProperty("TASKIFAI_DB_USER"),
                    devEnv.getProperty("TASKIFAI_DB_PASSWORD"))
                .getConnection();
        var ps =
            c.prepareStatement("UPDATE tenants SET schema_version = NULL WHERE tenant_id = ?")) {
      ps.setObject(1, tenant.tenantId());
      assertThat(ps.executeUpdate()).isEqualTo(1);
    }
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(adminUri("/admin/migrations"))
                .header("Authorization", "Bearer " + accessToken)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"canary_count\": 0}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    String migrationId = json.readTree(r.body()).get("migration_id").asText();
    await(
        "rollout " + migrationId + " to complete",
        Duration.ofSeconds(90),
        () -> {
          try {
            JsonNode m = getJson("/admin/migrations/" + migrationId);
            return "COMPLETED".equals(m.get("state").asText())
                ? Optional.of(m)
                : Optional.<JsonNode>empty();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
    List<WorkflowExecutionInfo> children =
        await(
            "visibility to list the rollout's children",
            Duration.ofSeconds(10),
            () -> {
              List<WorkflowExecutionInfo> list = list("MigrationId=\"" + migrationId + "\"");
              return list.isEmpty() ? Optional.empty() : Optional.of(list);
            });
    assertThat(children)
        .extracting(i -> i.getExecution().getWorkflowId())
        .contains("tenant-migrate-" + tenant.tenantId() + "-1");
    assertThat(registry.fleetMigrations().schemaVersion(tenant.tenantId())).contains("1");
    assertThat(list("MigrationId=\"m-nobody-" + shortId() + "\"")).isEmpty();
  }

  private ProvisionedTenant activeTenant() throws Exception {
    if (provisioned != null) {
      return provisioned;
    }
    int temporalPort = Integer.parseInt(env.get("TASKIFAI_TEMPORAL_PORT"));
    if (!DevPlatform.listening("127.0.0.1", temporalPort, Duration.ofSeconds(1))) {
      fail("the Temporal server is down (did the durability test fail to restart it?)");
    }
    startMailServer();
    String subdomain = "plain" + shortId();
    JsonNode accepted = createTenant(subdomain);
    UUID tenantId = UUID.fromString(accepted.get("tenant_id").asText());
    String token = verificationToken(tenantId, subdomain);
    VerificationLink.confirm(http, verificationLink(token));
    awaitStatus(tenantId, TenantStatus.ACTIVE);
    provisioned =
        new ProvisionedTenant(tenantId, subdomain, accepted.get("workflow_id").asText(), token);
    return provisioned;
  }

  private JsonNode createTenant(String subdomain) throws Exception {
    HttpResponse<String> r = postTenant(subdomain);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    return json.readTree(r.body());
  }

  private HttpResponse<String> postTenant(String subdomain) throws Exception {
    String body =
        json.writeValueAsString(
            Map.of(
                "company_name", "Durable " + subdomain,
                "subdomain", subdomain,
                "admin_email", "owner@" + subdomain + ".test"));
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(adminUri("/admin/tenants"))
                .header("Authorization", "Bearer " + accessToken)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return r;
  }

  private Tenant awaitStatus(UUID tenantId, TenantStatus status) {
    return await(
        "tenant " + tenantId + " to become " + status,
        PROVISIONING_LIMIT,
        () -> registry.findById(tenantId).filter(t -> t.status() == status));
  }

  private void startMailServer() {
    if (mail != null) {
      return;
    }
    mail =
        new GreenMail(
            new ServerSetup(
                Integer.parseInt(env.get("TASKIFAI_SMTP_PORT")),
                "127.0.0.1",
                ServerSetup.PROTOCOL_SMTP));
    mail.start();
    outbox = new GreenMailOutbox(mail);
  }

  /** The token of the (first) verification mail to the tenant's admin. */
  private String verificationToken(UUID tenantId, String subdomain) {
    return await(
        "the verification mail of " + subdomain,
        PROVISIONING_LIMIT,
        () -> mailToken(subdomain, "Verify", VERIFY_LINK));
  }

  private String setPasswordToken(ProvisionedTenant tenant) {
    return await(
        "the welcome mail of " + tenant.subdomain(),
        Duration.ofSeconds(30),
        () -> mailToken(tenant.subdomain(), "Welcome", SET_PASSWORD_LINK));
  }

  private Optional<String> mailToken(String subdomain, String subjectStart, Pattern link) {
    for (OutboxMessage m : outbox.messages()) {
      if (m.to().contains("@" + subdomain + ".test") && m.subject().startsWith(subjectStart)) {
        Matcher matcher = link.matcher(m.text());
        if (matcher.find()) {
          return Optional.of(matcher.group(1));
        }
      }
    }
    return Optional.empty();
  }

  private String verificationLink(String token) {
    return "http://localhost:" + env.get("TASKIFAI_ADMIN_PORT") + "/verify-email?token=" + token;
  }

  // ---- admin API ----------------------------------------------------------------------------

  private String login() throws Exception {
    String body =
        json.writeValueAsString(
            Map.of(
                "email", devEnv.getProperty("TASKIFAI_ADMIN_EMAIL"),
                "password", devEnv.getProperty("TASKIFAI_ADMIN_PASSWORD"),
                "totp",
                    TotpCodes.codeAt(
                        devEnv.getProperty("TASKIFAI_ADMIN_TOTP_SECRET"), Instant.now())));
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(adminUri("/admin/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return json.readTree(r.body()).get("access_token").asText();
  }

  private JsonNode getJson(String path) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(adminUri(path))
                .header("Authorization", "Bearer " + accessToken)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return json.readTree(r.body());
  }

  private URI adminUri(String path) {
    return URI.create("http://localhost:" + env.get("TASKIFAI_ADMIN_PORT") + path);
  }

  // ---- Temporal -----------------------------------------------------------------------------

  private DescribeWorkflowExecutionResponse describe(String workflowId) {
    return stubs
        .blockingStub()
        .describeWorkflowExecution(
            DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace("default")
                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                .build());
  }

  private Optional<DescribeWorkflowExecutionResponse> tryDescribe(String workflowId) {
    try {
      return Optional.of(describe(workflowId));
    } catch (io.grpc.StatusRuntimeException unavailable) {
      return Optional.empty();
    }
  }

  private List<WorkflowExecutionInfo> list(String query) {
    return stubs
        .blockingStub()
        .listWorkflowExecutions(
            ListWorkflowExecutionsRequest.newBuilder()
                .setNamespace("default")
                .setQuery(query)
                .build())
        .getExecutionsList();
  }

  /** The history as JSON, as protobuf text, and every payload decoded (JSON keeps them base64). */
  private String historyText(String workflowId) {
    return HistoryText.of(client.fetchHistory(workflowId));
  }

  // ---- PostgreSQL ---------------------------------------------------------------------------

  private long countTenantDatabases() throws SQLException {
    // Tenant databases are tenant_<32 hex>; the template (tenant_template) is not one.
    return count("SELECT count(*) FROM pg_database WHERE datname ~ '^tenant_[0-9a-f]{32}$'", null);
  }

  private long countDatabases(String name) throws SQLException {
    return count("SELECT count(*) FROM pg_database WHERE datname = ?", name);
  }

  private long count(String sql, String parameter) throws SQLException {
    String cluster =
        devEnv.getProperty("TASKIFAI_DB_URL").replaceFirst("/[^/?]+(\\?.*)?$", "/postgres$1");
    DataSource admin =
        DevPlatform.dataSource(
            cluster,
            devEnv.getProperty("TASKIFAI_DB_ADMIN_USER"),
            devEnv.getProperty("TASKIFAI_DB_ADMIN_PASSWORD"));
    try (Connection c = admin.getConnection();
        PreparedStatement st = c.prepareStatement(sql)) {
      if (parameter != null) {
        st.setString(1, parameter);
      }
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  // ---- waiting ------------------------------------------------------------------------------

  private static String shortId() {
    return UUID.randomUUID().toString().substring(0, 8);
  }
}
