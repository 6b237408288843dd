package com.taskifai.worker;

import static com.taskifai.worker.EmbeddedPlatform.count;
import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.activities.PlatformActivities;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.workflows.WorkflowStatus;
import com.taskifai.workflows.backup.BackupTenantWorkflow;
import com.taskifai.workflows.backup.RestoreTenantWorkflow;
import com.taskifai.workflows.provisioning.EmailVerified;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.provisioning.ProvisioningResult;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A worker process killed with SIGKILL in the middle of a replace restore: a replacement worker
 * finishes it, and the tenant ends on exactly one database (the restored one), with the rows of the
 * backup, never on both and never on none.
 */
class RestoreCrashTest {
  private static EmbeddedPlatform embedded;

  @BeforeAll
  static void start() throws Exception {
    embedded = new EmbeddedPlatform();
    embedded.env.put(
        "TASKIFAI_BACKUP_DIR", Files.createTempDirectory("taskifai-crash-backups").toString());
  }

  @AfterAll
  static void stop() {
    if (embedded != null) {
      embedded.close();
    }
  }

  @Test
  void aWorkerKilledMidRestoreLeavesTheTenantOnExactlyOneDatabase() throws Exception {
    // Its JVM starts while this test prepares the tenant with a worker in this JVM.
    WorkerProcess child = WorkerProcess.start("taskifai-worker", embedded.env);
    UUID tenant = UUID.randomUUID();
    String subdomain = "kill-" + tenant.toString().substring(0, 8);
    UUID backupId = UUID.randomUUID();
    TenantRegistry registry = new TenantRegistry(embedded.platform.platform());
    // Provision and back up with an in-process worker, then stop it.
    try (PlatformActivities activities = PlatformActivities.fromEnvironment(embedded.env);
        PlatformWorker worker = embedded.worker(activities)) {
      worker.start();
      ProvisionTenantWorkflow flow = embedded.startProvisioning(tenant, subdomain, null);
      flow.emailVerified(new EmailVerified("e2e"));
      assertThat(
              WorkflowStub.fromTyped(flow)
                  .getResult(60, TimeUnit.SECONDS, ProvisioningResult.class)
                  .status())
          .isEqualTo(WorkflowStatus.ACTIVE);
      insert(registry, tenant, "k-1", "k-2");
      embedded
          .client
          .newWorkflowStub(
              BackupTenantWorkflow.class,
              options(BackupTenantWorkflow.workflowId(tenant, backupId)))
          .backup(new BackupTenantWorkflow.BackupRequest(tenant, backupId, "manual", "e2e"));
      insert(registry, tenant, "k-3");
    }
    String original = registry.findById(tenant).orElseThrow().databaseName();

    RestoreTenantWorkflow flow;
    String stepAtKill;
    try {
      child.awaitReady();
      flow =
          embedded.client.newWorkflowStub(
              RestoreTenantWorkflow.class,
              options(RestoreTenantWorkflow.workflowId(tenant, backupId, "kill1")));
      WorkflowClient.start(
          flow::restore,
          new RestoreTenantWorkflow.RestoreRequest(
              tenant, backupId, "kill1", "replace", 600, "e2e"));
      // Kill once the restore is past its claim: in the middle of preparing, restoring or checking.
      stepAtKill = WorkerProcess.awaitStepBeyond(List.of("claim_operation"), () -> step(flow));
    } finally {
      child.kill();
    }
    assertThat(child.isAlive()).isFalse();
    System.out.println("worker killed during " + stepAtKill);

    try (PlatformActivities activities = PlatformActivities.fromEnvironment(embedded.env);
        PlatformWorker replacement = embedded.worker(activities)) {
      replacement.start();
      WorkerProcess.awaitStep(
          "grace_period", () -> step(flow), Duration.ofSeconds(150), "restore finishes in time");
      flow.retireNow();
      assertThat(WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, String.class))
          .isEqualTo("SWAPPED");
    }
    Tenant after = registry.findById(tenant).orElseThrow();
    assertThat(after.databaseName()).isEqualTo(original + "_rkill1");
    String hex = tenant.toString().replace("-", "");
    List<String> databases =
        JdbcClient.create(TestPostgres.superuser("postgres"))
            .sql("SELECT datname FROM pg_database WHERE datname LIKE :p")
            .param("p", "tenant_" + hex + "%")
            .query(String.class)
            .list();
    assertThat(databases).containsExactly(after.databaseName());
    assertThat(
            JdbcClient.create(TestPostgres.superuser(after.databaseName()))
                .sql("SELECT sku FROM products ORDER BY sku")
                .query(String.class)
                .list())
        .containsExactly("k-1", "k-2");
    assertThat(
            count(
                embedded.platform.owner(),
                "SELECT count(*) FROM tenants WHERE tenant_id = ?::uuid AND operation IS NULL",
                tenant.toString()))
        .isEqualTo(1);
  }

  /** The restore's step, or "unknown" while no worker can answer the query yet. */
  private static String step(RestoreTenantWorkflow flow) {
    try {
      return flow.progress().step();
    } catch (RuntimeException notYet) {
      return "claim_operation";
    }
  }

  private static void insert(TenantRegistry registry, UUID tenant, String... skus) {
    String db = registry.findById(tenant).orElseThrow().databaseName();
    for (String sku : skus) {
      JdbcClient.create(TestPostgres.superuser(db))
          .sql("INSERT INTO products (sku, name) VALUES (:s, :s)")
          .param("s", sku)
          .update();
    }
  }

  private static WorkflowOptions options(String id) {
    return WorkflowOptions.newBuilder()
        .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
        .setWorkflowId(id)
        .setWorkflowExecutionTimeout(Duration.ofMinutes(5))
        .build();
  }
}
