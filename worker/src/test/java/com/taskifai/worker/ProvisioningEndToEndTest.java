package com.taskifai.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.util.GreenMail;
import com.taskifai.activities.PlatformActivities;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.VerificationTokens;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.workflows.Step;
import com.taskifai.workflows.WorkflowStatus;
import com.taskifai.workflows.provisioning.EmailVerified;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.provisioning.ProvisioningProgress;
import com.taskifai.workflows.provisioning.ProvisioningResult;
import com.taskifai.workflows.saga.StepProgress;
import com.taskifai.workflows.saga.StepState;
import com.taskifai.workflows.testing.HistoryText;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.MimeMessage;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real worker, activities, PostgreSQL, SMTP (GreenMail) and Temporal (the SDK's test server on
 * a TCP port, real time): a tenant is provisioned end to end, and a worker killed with SIGKILL in
 * the middle of provisioning is replaced by another that finishes the tenant.
 */
class ProvisioningEndToEndTest {

  private static final Pattern VERIFY_LINK = Pattern.compile("verify-email\\?token=([^\\s\"<>&]+)");
  private static final Pattern SET_PASSWORD_LINK =
      Pattern.compile("set-password\\?token=([^\\s\"<>&]+)");

  private static EmbeddedPlatform embedded;
  private static TestPostgres.Platform platform;
  private static String masterKeys;
  private static CredentialCipher cipher;
  private static GreenMail smtp;
  private static WorkflowClient client;
  private static Map<String, String> env;

  @BeforeAll
  static void startEverything() {
    embedded = new EmbeddedPlatform();
    platform = embedded.platform;
    masterKeys = embedded.masterKeys;
    cipher = embedded.cipher;
    smtp = embedded.smtp;
    client = embedded.client;
    env = embedded.env;
  }

  @AfterAll
  static void stopEverything() {
    if (embedded != null) {
      embedded.close();
    }
  }

  @Test
  void tenantsReachActiveIsolatedFromEachOtherWithNoSecretInTheirHistory() throws Exception {
    UUID alpha = UUID.randomUUID();
    UUID beta = UUID.randomUUID();
    String alphaSub = "alpha-" + alpha.toString().substring(0, 6);
    String betaSub = "beta-" + beta.toString().substring(0, 6);

    try (PlatformActivities activities = PlatformActivities.fromEnvironment(env);
        PlatformWorker worker = inProcessWorker(activities)) {
      worker.start();
      ProvisionTenantWorkflow alphaFlow = startProvisioning(alpha, alphaSub);
      ProvisionTenantWorkflow betaFlow = startProvisioning(beta, betaSub);

      for (ProvisionTenantWorkflow flow : List.of(alphaFlow, betaFlow)) {
        awaitProgress(
            flow, p -> p.status() == WorkflowStatus.AWAITING_VERIFICATION, Duration.ofSeconds(60));
      }
      String verificationToken = tokenFromMail("alpha", VERIFY_LINK);
      assertThat(VerificationTokens.of(cipher).verify(verificationToken, Instant.now()))
          .contains(alpha);

      for (ProvisionTenantWorkflow flow : List.of(alphaFlow, betaFlow)) {
        flow.emailVerified(new EmailVerified("e2e"));
        ProvisioningResult result =
            WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, ProvisioningResult.class);
        assertThat(result.status()).isEqualTo(WorkflowStatus.ACTIVE);
        assertThat(result.welcomeEmailSent()).isTrue();
      }
      String setPasswordToken = tokenFromMail("alpha", SET_PASSWORD_LINK);

      TenantRegistry registry = new TenantRegistry(platform.platform());
      Tenant alphaRow = registry.findById(alpha).orElseThrow();
      Tenant betaRow = registry.findById(beta).orElseThrow();
      assertThat(alphaRow.status()).isEqualTo(TenantStatus.ACTIVE);
      assertThat(alphaRow.servesTraffic()).isTrue();
      TenantCredentials alphaCredentials = TenantCredentials.decrypt(cipher, alphaRow);
      TenantCredentials betaCredentials = TenantCredentials.decrypt(cipher, betaRow);

      // The tenant database: its tables, RLS on each, exactly one admin.
      String alphaDb = databaseName(alpha);
      DataSource alphaAdmin = TestPostgres.superuser(alphaDb);
      assertThat(tablesOf(alphaAdmin)).containsAll(TenantSchema.TENANT_TABLES);
      assertThat(TenantSchema.rlsApplied(alphaAdmin)).isTrue();
      assertThat(count(alphaAdmin, "SELECT count(*) FROM users WHERE role = 'admin'")).isEqualTo(1);

      // The app role reaches its own database and nothing else; PUBLIC reaches none.
      assertThat(canConnect(alphaCredentials.jdbcUrl(), alphaCredentials)).isTrue();
      assertThat(canConnect(betaCredentials.jdbcUrl(), betaCredentials)).isTrue();
      assertThat(canConnect(betaCredentials.jdbcUrl(), alphaCredentials)).isFalse();
      assertThat(canConnect(alphaCredentials.jdbcUrl(), betaCredentials)).isFalse();
      String stranger = "stranger_" + alpha.toString().substring(0, 8);
      TestPostgres.execute(
          TestPostgres.superuser("postgres"),
          "CREATE ROLE " + stranger + " LOGIN PASSWORD 'stranger-pw'");
      assertThatThrownBy(
              () ->
                  DriverManager.getConnection(
                          TestPostgres.jdbcUrl(alphaDb), stranger, "stranger-pw")
                      .close())
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("permission denied");

      // No secret anywhere in the complete history of the workflow.
      String history = historyText(ProvisionTenantWorkflow.workflowId(alphaSub));
      assertThat(history).contains(alpha.toString()).contains("create_database");
      List<String> secrets =
          List.of(
              alphaCredentials.password(),
              setPasswordToken,
              verificationToken,
              masterKeys,
              masterKeys.substring(masterKeys.indexOf(':') + 1));
      assertThat(secrets).allSatisfy(secret -> assertThat(secret).hasSizeGreaterThan(15));
      for (String secret : secrets) {
        assertThat(history).doesNotContain(secret);
      }
    }
  }

  @Test
  void workerKilledMidProvisioningIsReplacedAndTheTenantGetsExactlyOneDatabase() throws Exception {
    UUID tenant = UUID.randomUUID();
    String subdomain = "crash-" + tenant.toString().substring(0, 6);
    // Only this test's configuration: nothing TASKIFAI_* from the machine running the build.
    WorkerProcess child = WorkerProcess.start("taskifai-worker", env);
    ProvisioningProgress atKill;
    try {
      child.awaitReady();
      ProvisionTenantWorkflow flow = startProvisioning(tenant, subdomain);
      // Killed while create_database runs, so the new worker must run it again: the database
      // and roles it finds must not end up twice.
      atKill =
          awaitProgress(
              flow,
              p -> !stateOf(p, Step.CREATE_DATABASE).equals(StepState.PENDING),
              Duration.ofSeconds(30));
    } finally {
      child.kill();
    }
    assertThat(child.isAlive()).isFalse();
    System.out.println("worker killed at " + atKill.steps());

    try (PlatformActivities activities = PlatformActivities.fromEnvironment(env);
        PlatformWorker replacement = inProcessWorker(activities)) {
      replacement.start();
      ProvisionTenantWorkflow flow =
          client.newWorkflowStub(
              ProvisionTenantWorkflow.class, ProvisionTenantWorkflow.workflowId(subdomain));
      // An attempt the dead worker held is retried after its start-to-close timeout (30 s for
      // database steps); the margin covers a kill that lands in a later, slower step.
      awaitProgress(
          flow, p -> p.status() == WorkflowStatus.AWAITING_VERIFICATION, Duration.ofSeconds(150));
      flow.emailVerified(new EmailVerified("e2e"));
      ProvisioningResult result =
          WorkflowStub.fromTyped(flow).getResult(30, TimeUnit.SECONDS, ProvisioningResult.class);

      assertThat(result.status()).isEqualTo(WorkflowStatus.ACTIVE);
    }
    DataSource server = TestPostgres.superuser("postgres");
    assertThat(
            count(
                server,
                "SELECT count(*) FROM pg_database WHERE datname = '" + databaseName(tenant) + "'"))
        .isEqualTo(1);
    String rolePrefix = "t_" + tenant.toString().replace("-", "").substring(0, 12);
    assertThat(
            count(server, "SELECT count(*) FROM pg_roles WHERE rolname LIKE '" + rolePrefix + "%'"))
        .isEqualTo(2);
    Tenant row = new TenantRegistry(platform.platform()).findById(tenant).orElseThrow();
    assertThat(row.status()).isEqualTo(TenantStatus.ACTIVE);
    TenantCredentials credentials = TenantCredentials.decrypt(cipher, row);
    assertThat(canConnect(credentials.jdbcUrl(), credentials)).isTrue();
  }

  private static PlatformWorker inProcessWorker(PlatformActivities activities) {
    return embedded.worker(activities);
  }

  private static ProvisionTenantWorkflow startProvisioning(UUID tenantId, String subdomain) {
    return embedded.startProvisioning(tenantId, subdomain, null);
  }

  private static ProvisioningProgress awaitProgress(
      ProvisionTenantWorkflow flow, Predicate<ProvisioningProgress> done, Duration timeout)
      throws InterruptedException {
    return EmbeddedPlatform.awaitProgress(flow, done, timeout);
  }

  private static StepState stateOf(ProvisioningProgress progress, Step step) {
    return progress.steps().stream()
        .filter(s -> s.name().equals(step.stepName()))
        .map(StepProgress::state)
        .findFirst()
        .orElseThrow();
  }

  /** The token of the last link of this kind in a mail to the subdomain's admin. */
  private static String tokenFromMail(String subdomainPrefix, Pattern link) throws Exception {
    String token = null;
    for (MimeMessage message : smtp.getReceivedMessages()) {
      if (!message.getAllRecipients()[0].toString().startsWith("admin@" + subdomainPrefix)) {
        continue;
      }
      Matcher matcher = link.matcher(textOf(message));
      if (matcher.find()) {
        token = matcher.group(1);
      }
    }
    assertThat(token).as("a mail with a %s link", link.pattern()).isNotNull();
    return token;
  }

  private static String textOf(Part part) throws Exception {
    Object content = part.getContent();
    if (content instanceof String text) {
      return text;
    }
    if (content instanceof Multipart multipart) {
      StringBuilder all = new StringBuilder();
      for (int i = 0; i < multipart.getCount(); i++) {
        BodyPart body = multipart.getBodyPart(i);
        all.append(textOf(body)).append('\n');
      }
      return all.toString();
    }
    return "";
  }

  /** The history as JSON, as protobuf text, and every payload decoded. */
  private static String historyText(String workflowId) {
    return HistoryText.of(client.fetchHistory(workflowId));
  }

  private static String databaseName(UUID tenantId) {
    return EmbeddedPlatform.databaseName(tenantId);
  }

  private static List<String> tablesOf(DataSource db) throws SQLException {
    List<String> tables = new ArrayList<>();
    try (Connection c = db.getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")) {
      while (rs.next()) {
        tables.add(rs.getString(1));
      }
    }
    return tables;
  }

  private static long count(DataSource db, String sql) throws SQLException {
    try (Connection c = db.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static boolean canConnect(String jdbcUrl, TenantCredentials credentials) {
    try (Connection c =
            DriverManager.getConnection(jdbcUrl, credentials.username(), credentials.password());
        Statement st = c.createStatement()) {
      st.execute("SELECT 1");
      return true;
    } catch (SQLException e) {
      return false;
    }
  }
}
