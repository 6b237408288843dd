package com.taskifai.activities.database.supabase;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import com.taskifai.activities.ActivitiesConfig;
import com.taskifai.activities.ActivitiesFixture;
import com.taskifai.activities.database.TenantDatabaseNames;
import com.taskifai.registry.Backups;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.providers.SupabaseSettings;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.workflows.WorkflowStatus;
import com.taskifai.workflows.lifecycle.OffboardTenantWorkflow;
import com.taskifai.workflows.lifecycle.OffboardTenantWorkflowImpl;
import com.taskifai.workflows.lifecycle.TenantOperation;
import com.taskifai.workflows.provisioning.EmailVerified;
import com.taskifai.workflows.provisioning.ProvisionTenantRequest;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflowImpl;
import com.taskifai.workflows.provisioning.ProvisioningResult;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.interceptors.WorkerInterceptor;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactoryOptions;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The provisioning and offboarding workflows with the real activities on a Supabase tenant, against
 * the fake Management API: the saga's rollback deletes a project that never became healthy, and no
 * token, database password or service key reaches the workflow history.
 */
class SupabaseProvisioningWorkflowTest {
  private static final String TOKEN = "sbp_workflow_test_token_abcdef0123";

  private final FakeSupabase fake = new FakeSupabase(TOKEN);
  private final WireMockServer wiremock =
      new WireMockServer(options().dynamicPort().extensions(fake));
  private final GreenMail smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
  private TestWorkflowEnvironment temporal;
  private ActivitiesFixture fx;

  private void start(Duration readyTimeout) {
    start(readyTimeout, TOKEN);
  }

  private void start(Duration readyTimeout, String token) {
    wiremock.start();
    wiremock.stubFor(any(anyUrl()).willReturn(ok()));
    smtp.start();
    SupabaseSettings settings =
        SupabaseSettings.fromEnvironment(
                Map.of(
                    SupabaseSettings.ENV_TOKEN,
                    token,
                    "TASKIFAI_SUPABASE_ORGANIZATION",
                    "taskifai-org"))
            .withApi(
                URI.create(wiremock.baseUrl()),
                readyTimeout,
                Duration.ofMillis(50),
                TestPostgres.port())
            // The fake's projects live on the test server, which speaks no TLS.
            .withTls("prefer", null);
    fx =
        new ActivitiesFixture(
            ActivitiesConfig.defaults().withSmtp("127.0.0.1", smtp.getSmtp().getPort()), settings);
    temporal =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder()
                .setWorkerFactoryOptions(
                    WorkerFactoryOptions.newBuilder()
                        .setWorkerInterceptors(
                            fx.activities.interceptors().toArray(new WorkerInterceptor[0]))
                        .build())
                .build());
    Worker worker = temporal.newWorker(ProvisionTenantWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(
        ProvisionTenantWorkflowImpl.class,
        OffboardTenantWorkflowImpl.class,
        com.taskifai.workflows.backup.BackupTenantWorkflowImpl.class);
    worker.registerActivitiesImplementations(fx.activities.implementations().toArray());
    temporal.start();
  }

  @AfterEach
  void stop() {
    if (temporal != null) {
      temporal.close();
    }
    smtp.stop();
    wiremock.stop();
  }

  private ProvisioningResult provision(UUID id, String subdomain) {
    WorkflowClient client = temporal.getWorkflowClient();
    ProvisionTenantWorkflow wf =
        client.newWorkflowStub(
            ProvisionTenantWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                .setWorkflowId(ProvisionTenantWorkflow.workflowId(subdomain))
                .build());
    ProvisionTenantRequest request =
        new ProvisionTenantRequest(
            id,
            subdomain,
            "Acme",
            "admin@" + subdomain + ".test",
            "local",
            "test",
            Duration.ofDays(1),
            "supabase");
    // The verification arrives with the start, so the wait for it ends at once.
    var batch = client.newSignalWithStartRequest();
    batch.add(wf::provision, request);
    batch.add(wf::emailVerified, new EmailVerified("test"));
    client.signalWithStart(batch);
    return WorkflowStub.fromTyped(wf).getResult(ProvisioningResult.class);
  }

  private String history(String workflowId) {
    return temporal.getWorkflowClient().fetchHistory(workflowId).toJson(true);
  }

  @Test
  void provisionsAndOffboardsASupabaseTenantWithNoSecretInHistory() {
    start(Duration.ofSeconds(30));
    UUID id = UUID.randomUUID();
    String subdomain = ActivitiesFixture.newSubdomain();
    ProvisioningResult result = provision(id, subdomain);
    assertThat(result.status()).isEqualTo(WorkflowStatus.ACTIVE);
    assertThat(fx.tenant(id).status()).isEqualTo(TenantStatus.ACTIVE);
    FakeSupabase.Project project = fake.projects.values().iterator().next();

    OffboardTenantWorkflow offboard =
        temporal
            .getWorkflowClient()
            .newWorkflowStub(
                OffboardTenantWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                    .setWorkflowId("offboard-" + subdomain)
                    .build());
    long users =
        ActivitiesFixture.count(fx.tenantDatabase(id), "SELECT count(*) FROM public.users");
    // The final backup dumps as the project's postgres role, which is no superuser but bypasses
    // row-level security as Supabase's does; then the project is deleted.
    assertThat(offboard.offboard(new TenantOperation(id, subdomain, "test"))).isEqualTo("DELETED");
    Backups.Backup last = new Backups(fx.platform.platform()).finalBackup(id).orElseThrow();
    assertThat(last.good()).isTrue();
    assertThat(last.trigger()).isEqualTo("offboarding");
    assertThat(last.manifest()).contains("\"users\": " + users);
    assertThat(project.deleted).isTrue();
    assertThat(fx.databaseExists(TenantDatabaseNames.of(id).database())).isFalse();

    String histories =
        history(ProvisionTenantWorkflow.workflowId(subdomain)) + history("offboard-" + subdomain);
    assertThat(histories).contains("create_database");
    assertThat(histories)
        .doesNotContain(TOKEN)
        .doesNotContain(project.dbPass)
        .doesNotContain(project.serviceKey);
  }

  @Test
  void aProjectRoleThatCannotBypassRowSecurityStopsOffboardingWithAClearReason() {
    fake.adminBypassesRls = false;
    start(Duration.ofSeconds(30));
    UUID id = UUID.randomUUID();
    String subdomain = ActivitiesFixture.newSubdomain();
    assertThat(provision(id, subdomain).status()).isEqualTo(WorkflowStatus.ACTIVE);
    FakeSupabase.Project project = fake.projects.values().iterator().next();
    OffboardTenantWorkflow offboard =
        temporal
            .getWorkflowClient()
            .newWorkflowStub(
                OffboardTenantWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                    .setWorkflowId("offboard-" + subdomain)
                    .build());

    assertThatThrownBy(() -> offboard.offboard(new TenantOperation(id, subdomain, "test")))
        .rootCause()
        .hasMessageContaining("final backup failed")
        .hasMessageContaining("neither a superuser nor BYPASSRLS")
        .hasMessageContaining(project.adminRole());
    assertThat(project.deleted).isFalse();
    assertThat(fx.databaseExists(TenantDatabaseNames.of(id).database())).isTrue();
    assertThat(fx.tenant(id).status()).isEqualTo(TenantStatus.ACTIVE);
  }

  @Test
  void aProjectThatNeverBecomesHealthyIsDeletedByTheRollback() {
    fake.comingUpPolls = -1;
    start(Duration.ofSeconds(1));
    UUID id = UUID.randomUUID();
    String subdomain = ActivitiesFixture.newSubdomain();
    ProvisioningResult result = provision(id, subdomain);
    assertThat(result.status()).isEqualTo(WorkflowStatus.FAILED);
    assertThat(result.failedStep()).isEqualTo("create_database");
    assertThat(result.reason()).contains("still COMING_UP");
    FakeSupabase.Project project = fake.projects.values().iterator().next();
    assertThat(project.deleted).isTrue();
    assertThat(fake.projects).hasSize(1);
    assertThat(fx.tenant(id).status()).isEqualTo(TenantStatus.FAILED);
    assertThat(history(ProvisionTenantWorkflow.workflowId(subdomain)))
        .doesNotContain(TOKEN)
        .doesNotContain(project.dbPass);
  }

  @Test
  void aRefusedTokenFailsCreateDatabaseAtOnceAndTheRollbackCompletes() {
    String wrong = "sbp_refused_token_zyxwvu987654";
    start(Duration.ofSeconds(30), wrong);
    UUID id = UUID.randomUUID();
    String subdomain = ActivitiesFixture.newSubdomain();
    ProvisioningResult result = provision(id, subdomain);
    assertThat(result.status()).isEqualTo(WorkflowStatus.FAILED);
    assertThat(result.failedStep()).isEqualTo("create_database");
    assertThat(result.reason()).contains("HTTP 401").doesNotContain(wrong);
    assertThat(fx.tenant(id).status()).isEqualTo(TenantStatus.FAILED);
    assertThat(fake.projects).isEmpty();
    // Non-retryable: one refused call, no retries of the step.
    assertThat(fake.calls).hasSize(1);
    assertThat(history(ProvisionTenantWorkflow.workflowId(subdomain))).doesNotContain(wrong);
  }
}
