package com.taskifai.worker;

import static com.taskifai.worker.EmbeddedPlatform.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.activities.PlatformActivities;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.workflows.Step;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.WorkflowStatus;
import com.taskifai.workflows.lifecycle.OffboardTenantWorkflow;
import com.taskifai.workflows.lifecycle.ReactivateTenantWorkflow;
import com.taskifai.workflows.lifecycle.SuspendTenantWorkflow;
import com.taskifai.workflows.lifecycle.TenantOperation;
import com.taskifai.workflows.provisioning.EmailVerified;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.provisioning.ProvisioningResult;
import com.taskifai.workflows.saga.StepState;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.CanceledFailure;
import java.sql.Connection;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real worker and activities: a permanent failure at each step leaves nothing behind, and suspend,
 * reactivate and offboard work on a real tenant.
 */
class FailureAndLifecycleEndToEndTest {

  private static EmbeddedPlatform embedded;
  private static PlatformActivities activities;
  private static PlatformWorker worker;

  @BeforeAll
  static void startWorker() {
    embedded = new EmbeddedPlatform();
    activities = PlatformActivities.fromEnvironment(embedded.env);
    worker = embedded.worker(activities);
    worker.start();
  }

  @AfterAll
  static void stopWorker() throws Exception {
    EmbeddedPlatform.closeAll(worker, activities, embedded);
  }

  static Stream<Step> stepsThatRollBack() {
    return Arrays.stream(Step.values()).filter(s -> s != Step.SEND_WELCOME_EMAIL);
  }

  @ParameterizedTest
  @MethodSource("stepsThatRollBack")
  void failureAtAStepLeavesNoDatabaseRoleDnsRecordOrCredential(Step failing) throws Exception {
    UUID tenant = UUID.randomUUID();
    String subdomain = "fail-" + tenant.toString().substring(0, 8);
    ProvisionTenantWorkflow flow =
        embedded.startProvisioning(tenant, subdomain, failing.stepName());
    flow.emailVerified(new EmailVerified("e2e"));

    ProvisioningResult result =
        WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, ProvisioningResult.class);

    assertThat(result.status()).isEqualTo(WorkflowStatus.FAILED);
    assertThat(result.failedStep()).isEqualTo(failing.stepName());
    assertNothingLeft(tenant, subdomain);
    Optional<Tenant> row = new TenantRegistry(embedded.platform.platform()).findById(tenant);
    row.ifPresent(t -> assertThat(t.status()).isEqualTo(TenantStatus.FAILED));
    if (failing.ordinal() > Step.RESERVE_TENANT.ordinal()) {
      assertThat(row).isPresent();
      assertThat(
              count(
                  embedded.platform.owner(),
                  "SELECT count(*) FROM audit_log WHERE tenant_id = ?::uuid AND step = ?",
                  tenant.toString(),
                  failing.stepName()))
          .isPositive();
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"reserve_tenant", "create_database", "store_credentials", "configure_dns"})
  void failureAfterAStepDidItsWorkStillLeavesNothing(String step) throws Exception {
    UUID tenant = UUID.randomUUID();
    String subdomain = "after-" + tenant.toString().substring(0, 8);
    ProvisionTenantWorkflow flow = embedded.startProvisioning(tenant, subdomain, step + ":after");

    ProvisioningResult result =
        WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, ProvisioningResult.class);

    assertThat(result.status()).isEqualTo(WorkflowStatus.FAILED);
    assertThat(result.failedStep()).isEqualTo(step);
    // The step failed after its work, and its own undo then ran.
    assertThat(
            count(
                embedded.platform.owner(),
                "SELECT count(*) FROM audit_log WHERE tenant_id = ?::uuid AND step = ?"
                    + " AND outcome = 'failed' AND detail->>'message' LIKE 'injected fault after%'",
                tenant.toString(),
                step))
        .isPositive();
    assertThat(
            count(
                embedded.platform.owner(),
                "SELECT count(*) FROM audit_log WHERE tenant_id = ?::uuid AND step = ?"
                    + " AND outcome = 'succeeded'",
                tenant.toString(),
                "undo_" + step))
        .isPositive();
    assertNothingLeft(tenant, subdomain);
  }

  @Test
  void cancelInTheMiddleOfCreateDatabaseLeavesNoDatabaseAfterTheUndo() throws Exception {
    UUID tenant = UUID.randomUUID();
    String subdomain = "cancel-" + tenant.toString().substring(0, 8);
    ProvisionTenantWorkflow flow;
    try (Connection hold = embedded.platform.owner().getConnection()) {
      // create_database stops at its fence while this transaction holds the table.
      hold.setAutoCommit(false);
      hold.createStatement().execute("LOCK TABLE tenant_database_fences IN EXCLUSIVE MODE");
      flow = embedded.startProvisioning(tenant, subdomain, null);
      EmbeddedPlatform.awaitProgress(
          flow,
          p ->
              p.steps().stream()
                  .anyMatch(
                      st -> st.name().equals("create_database") && st.state() == StepState.RUNNING),
          Duration.ofSeconds(60));
      Thread.sleep(500);
      WorkflowStub.fromTyped(flow).cancel();
      // The workflow waits for the cancelled attempt to end before any undo runs.
      Thread.sleep(1500);
      assertThat(
              count(
                  embedded.platform.owner(),
                  "SELECT count(*) FROM audit_log WHERE tenant_id = ?::uuid"
                      + " AND step = 'undo_create_database'",
                  tenant.toString()))
          .isZero();
      hold.commit();
    }

    assertThatThrownBy(
            () -> WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, Void.class))
        .isInstanceOf(WorkflowFailedException.class)
        .hasCauseInstanceOf(CanceledFailure.class);
    assertNothingLeft(tenant, subdomain);
    // Every create_database row comes before the first undo_create_database row.
    assertThat(
            count(
                embedded.platform.owner(),
                "SELECT count(*) FROM audit_log c WHERE c.tenant_id = ?::uuid"
                    + " AND c.step = 'create_database' AND c.id > (SELECT min(u.id) FROM audit_log u"
                    + " WHERE u.tenant_id = c.tenant_id AND u.step = 'undo_create_database')",
                tenant.toString()))
        .isZero();
    Thread.sleep(1000);
    assertThat(
            count(
                TestPostgres.superuser("postgres"),
                "SELECT count(*) FROM pg_database WHERE datname = ?",
                EmbeddedPlatform.databaseName(tenant)))
        .isZero();
  }

  @Test
  void suspendReactivateAndOffboardARealTenant() throws Exception {
    UUID tenant = UUID.randomUUID();
    String subdomain = "life-" + tenant.toString().substring(0, 8);
    ProvisionTenantWorkflow flow = embedded.startProvisioning(tenant, subdomain, null);
    flow.emailVerified(new EmailVerified("e2e"));
    assertThat(
            WorkflowStub.fromTyped(flow)
                .getResult(60, TimeUnit.SECONDS, ProvisioningResult.class)
                .status())
        .isEqualTo(WorkflowStatus.ACTIVE);
    TenantRegistry registry = new TenantRegistry(embedded.platform.platform());
    TenantOperation operation = new TenantOperation(tenant, subdomain, "ops@taskifai.test");

    stub(SuspendTenantWorkflow.class, WorkflowIds.suspend(tenant, 1)).suspend(operation);
    Tenant suspended = registry.findById(tenant).orElseThrow();
    assertThat(suspended.status()).isEqualTo(TenantStatus.SUSPENDED);
    assertThat(suspended.servesTraffic()).isFalse();

    stub(ReactivateTenantWorkflow.class, WorkflowIds.reactivate(tenant, 1)).reactivate(operation);
    assertThat(registry.findById(tenant).orElseThrow().servesTraffic()).isTrue();

    String status =
        stub(OffboardTenantWorkflow.class, OffboardTenantWorkflow.workflowId(tenant))
            .offboard(operation);

    assertThat(status).isEqualTo("DELETED");
    assertThat(registry.findById(tenant).orElseThrow().status()).isEqualTo(TenantStatus.DELETED);
    assertNothingLeft(tenant, subdomain);
  }

  private static <T> T stub(Class<T> type, String workflowId) {
    return embedded.client.newWorkflowStub(
        type,
        WorkflowOptions.newBuilder()
            .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
            .setWorkflowId(workflowId)
            .setWorkflowExecutionTimeout(Duration.ofMinutes(2))
            .build());
  }

  private static void assertNothingLeft(UUID tenant, String subdomain) {
    DataSource server = TestPostgres.superuser("postgres");
    DataSource platform = embedded.platform.owner();
    assertThat(
            count(
                server,
                "SELECT count(*) FROM pg_database WHERE datname = ?",
                EmbeddedPlatform.databaseName(tenant)))
        .as("tenant database")
        .isZero();
    assertThat(
            count(
                server,
                "SELECT count(*) FROM pg_roles WHERE rolname LIKE ?",
                EmbeddedPlatform.rolePrefix(tenant) + "%"))
        .as("tenant roles")
        .isZero();
    assertThat(
            count(
                platform,
                "SELECT count(*) FROM dns_records WHERE tenant_id = ?::uuid OR name LIKE ?",
                tenant.toString(),
                subdomain + ".%"))
        .as("DNS records")
        .isZero();
    assertThat(
            count(
                platform,
                "SELECT count(*) FROM tenant_secrets WHERE tenant_id = ?::uuid",
                tenant.toString()))
        .as("staged secrets")
        .isZero();
    new TenantRegistry(embedded.platform.platform())
        .findById(tenant)
        .ifPresent(row -> assertThat(row.hasCredentials()).as("stored credentials").isFalse());
  }
}
