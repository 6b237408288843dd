package com.taskifai.worker;

import static com.taskifai.worker.EmbeddedPlatform.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.activities.PlatformActivities;
import com.taskifai.registry.Backups;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.workflows.WorkflowStatus;
import com.taskifai.workflows.backup.BackupScheduleWorkflow;
import com.taskifai.workflows.backup.BackupTenantWorkflow;
import com.taskifai.workflows.backup.RestoreTenantWorkflow;
import com.taskifai.workflows.lifecycle.OffboardTenantWorkflow;
import com.taskifai.workflows.lifecycle.TenantOperation;
import com.taskifai.workflows.provisioning.EmailVerified;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.provisioning.ProvisioningResult;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The backup and restore workflows on the real worker, activities, pg_dump and pg_restore: a
 * replace restore brings back the rows as they were at the backup and retires the old database
 * after its grace period; a copy leaves the tenant alone; the daily schedule (durable timer with
 * continue-as-new) takes backups; offboarding after a restore leaves no database behind.
 */
class BackupRestoreEndToEndTest {
  private static EmbeddedPlatform embedded;
  private static PlatformActivities activities;
  private static PlatformWorker worker;
  private static TenantRegistry registry;
  private static Backups backups;
  private static Path folder;

  @BeforeAll
  static void startWorker() throws Exception {
    embedded = new EmbeddedPlatform();
    folder = Files.createTempDirectory("taskifai-e2e-backups");
    embedded.env.put("TASKIFAI_BACKUP_DIR", folder.toString());
    activities = PlatformActivities.fromEnvironment(embedded.env);
    worker = embedded.worker(activities);
    worker.start();
    registry = new TenantRegistry(embedded.platform.platform());
    backups = new Backups(embedded.platform.platform());
  }

  @AfterAll
  static void stopWorker() throws Exception {
    EmbeddedPlatform.closeAll(worker, activities, embedded);
  }

  @Test
  void replaceRestoresTheRowsOfTheBackupAndRetiresTheOldDatabase() throws Exception {
    UUID tenant = provision("rest");
    String original = registry.findById(tenant).orElseThrow().databaseName();
    insert(tenant, "p-1", "p-2");
    UUID backupId = backup(tenant);
    insert(tenant, "p-3");
    JdbcClient.create(current(tenant)).sql("DELETE FROM products WHERE sku = 'p-1'").update();

    String restoreId = "e2e" + Long.toHexString(System.nanoTime() % 100000);
    RestoreTenantWorkflow flow = startRestore(tenant, backupId, restoreId, "replace", 600);
    awaitStep(flow, "grace_period");
    Tenant after = registry.findById(tenant).orElseThrow();
    assertThat(after.databaseName()).isNotEqualTo(original).endsWith("_r" + restoreId);
    assertThat(skus(tenant)).containsExactly("p-1", "p-2");
    assertThat(new TenantOperations(embedded.platform.platform()).current(tenant)).isEmpty();
    assertThat(databaseExists(original)).isTrue();

    flow.retireNow();
    assertThat(WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, String.class))
        .isEqualTo("SWAPPED");
    assertThat(databaseExists(original)).isFalse();
    assertThat(databaseExists(after.databaseName())).isTrue();

    // Offboarding a restored tenant drops the database it runs on.
    embedded
        .client
        .newWorkflowStub(
            OffboardTenantWorkflow.class, options(OffboardTenantWorkflow.workflowId(tenant)))
        .offboard(new TenantOperation(tenant, after.subdomain(), "ops@taskifai.test"));
    assertThat(databaseExists(after.databaseName())).isFalse();
  }

  @Test
  void aCopyIsRestoredBesideTheTenantAndDroppedAfterItsGracePeriod() throws Exception {
    UUID tenant = provision("copy");
    insert(tenant, "c-1");
    UUID backupId = backup(tenant);
    insert(tenant, "c-2");
    Tenant before = registry.findById(tenant).orElseThrow();

    RestoreTenantWorkflow flow = startRestore(tenant, backupId, "copy1", "copy", 2);
    assertThat(WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, String.class))
        .isEqualTo("COPIED");
    Tenant after = registry.findById(tenant).orElseThrow();
    assertThat(after.databaseName()).isEqualTo(before.databaseName());
    assertThat(after.encryptedDatabaseUrl()).isEqualTo(before.encryptedDatabaseUrl());
    assertThat(skus(tenant)).containsExactly("c-1", "c-2");
    assertThat(databaseExists(before.databaseName() + "_rcopy1")).isFalse();
  }

  @Test
  void aRestoreThatFailsVerificationDropsTheNewDatabaseAndChangesNothing() throws Exception {
    UUID tenant = provision("bad");
    insert(tenant, "b-1");
    UUID backupId = backup(tenant);
    // The manifest no longer matches what the backup holds.
    JdbcClient.create(embedded.platform.owner())
        .sql(
            "UPDATE backups SET manifest = jsonb_set(manifest, '{products}', '99')"
                + " WHERE backup_id = :id")
        .param("id", backupId)
        .update();
    Tenant before = registry.findById(tenant).orElseThrow();

    RestoreTenantWorkflow flow = startRestore(tenant, backupId, "bad1", "replace", 600);
    assertThatThrownBy(
            () -> WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, String.class))
        .isInstanceOf(WorkflowFailedException.class);
    assertThat(flow.progress().error()).contains("row counts");
    Tenant after = registry.findById(tenant).orElseThrow();
    assertThat(after.databaseName()).isEqualTo(before.databaseName());
    assertThat(after.encryptedDatabaseUrl()).isEqualTo(before.encryptedDatabaseUrl());
    assertThat(databaseExists(before.databaseName() + "_rbad1")).isFalse();
    assertThat(new TenantOperations(embedded.platform.platform()).current(tenant)).isEmpty();
  }

  @Test
  void theScheduleTakesBackupsOnItsTimerAndAppliesRetention() throws Exception {
    UUID tenant = provision("sched");
    BackupScheduleWorkflow schedule =
        embedded.client.newWorkflowStub(
            BackupScheduleWorkflow.class, options(BackupScheduleWorkflow.workflowId(tenant)));
    // A 3-second "day", two runs: continue-as-new once, then end.
    WorkflowClient.start(
        schedule::run, new BackupScheduleWorkflow.ScheduleRequest(tenant, 1, 3, 30, 3, 2));
    WorkflowStub.fromTyped(schedule).getResult(90, TimeUnit.SECONDS, Void.class);
    List<Backups.Backup> taken = backups.forTenant(tenant);
    assertThat(taken).hasSize(2).allMatch(Backups.Backup::good);
    assertThat(taken).allMatch(b -> b.trigger().equals("scheduled"));
  }

  @Test
  void everyActiveTenantGetsOneDailyScheduleAndASecondPassStartsNone() throws Exception {
    UUID tenant = provision("daily");
    BackupSchedules schedules =
        new BackupSchedules(
            embedded.client,
            activities.backups(),
            com.taskifai.activities.backup.BackupSettings.fromEnvironment(embedded.env));
    assertThat(schedules.ensure()).isPositive();
    assertThat(schedules.ensure()).isZero();
    var description =
        embedded
            .client
            .newUntypedWorkflowStub(BackupScheduleWorkflow.workflowId(tenant))
            .describe();
    assertThat(description.getStatus())
        .isEqualTo(
            io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
    schedules.close();
  }

  @Test
  void offboardingLeavesAFinalBackupThatOutlivesTheDatabaseUntilItsRetentionEnds()
      throws Exception {
    UUID tenant = provision("final");
    insert(tenant, "f-1", "f-2");
    Tenant before = registry.findById(tenant).orElseThrow();

    assertThat(offboard(tenant, before.subdomain())).isEqualTo("DELETED");

    assertThat(databaseExists(before.databaseName())).isFalse();
    Backups.Backup last = backups.finalBackup(tenant).orElseThrow();
    assertThat(last.trigger()).isEqualTo("offboarding");
    assertThat(last.manifest()).contains("\"products\": 2");
    // The stored object still matches its recorded SHA-256 with the database gone.
    java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
    try (var in = activities.backups().store().get(last.objectKey())) {
      sha.update(in.readAllBytes());
    }
    assertThat(java.util.HexFormat.of().formatHex(sha.digest())).isEqualTo(last.sha256());

    // Kept while the final retention runs, deleted (row and object) once it is over.
    assertThat(activities.backups().expireDeletedTenantBackups(30, 30))
        .doesNotContain(last.backupId());
    JdbcClient.create(embedded.platform.owner())
        .sql("UPDATE backups SET started_at = now() - interval '31 days' WHERE backup_id = :id")
        .param("id", last.backupId())
        .update();
    assertThat(activities.backups().expireDeletedTenantBackups(60, 1))
        .doesNotContain(last.backupId());
    assertThat(activities.backups().expireDeletedTenantBackups(30, 60)).contains(last.backupId());
    assertThat(backups.find(last.backupId()).orElseThrow().status()).isEqualTo("DELETED");
    assertThat(Files.exists(folder.resolve(last.objectKey()))).isFalse();
  }

  @Test
  void aFailingFinalBackupStopsOffboardingWithTheDatabaseIntact() throws Exception {
    UUID tenant = provision("nofinal");
    insert(tenant, "n-1");
    Tenant before = registry.findById(tenant).orElseThrow();
    // The store cannot take the tenant's backups: a file where its folder would be.
    Path blocker = folder.resolve(tenant.toString());
    Files.writeString(blocker, "not a folder");

    assertThatThrownBy(() -> offboard(tenant, before.subdomain()))
        .isInstanceOf(WorkflowFailedException.class)
        .rootCause()
        .hasMessageContaining("final backup failed")
        .hasMessageContaining("skip_final_backup=true");

    Tenant after = registry.findById(tenant).orElseThrow();
    assertThat(after.status()).isEqualTo(before.status());
    assertThat(databaseExists(before.databaseName())).isTrue();
    assertThat(skus(tenant)).containsExactly("n-1");
    assertThat(backups.forTenant(tenant))
        .singleElement()
        .satisfies(
            b -> {
              assertThat(b.trigger()).isEqualTo("offboarding");
              assertThat(b.status()).isEqualTo("FAILED");
            });
    assertThat(new TenantOperations(embedded.platform.platform()).current(tenant)).isEmpty();

    // With the store back, offboarding again takes the backup and finishes.
    Files.delete(blocker);
    assertThat(offboard(tenant, before.subdomain())).isEqualTo("DELETED");
    assertThat(backups.finalBackup(tenant)).isPresent();
    assertThat(databaseExists(before.databaseName())).isFalse();
  }

  private static String offboard(UUID tenant, String subdomain) {
    return embedded
        .client
        .newWorkflowStub(
            OffboardTenantWorkflow.class, options(OffboardTenantWorkflow.workflowId(tenant)))
        .offboard(new TenantOperation(tenant, subdomain, "ops@taskifai.test"));
  }

  private static UUID provision(String prefix) throws Exception {
    UUID tenant = UUID.randomUUID();
    String subdomain = prefix + "-" + tenant.toString().substring(0, 8);
    ProvisionTenantWorkflow flow = embedded.startProvisioning(tenant, subdomain, null);
    flow.emailVerified(new EmailVerified("e2e"));
    assertThat(
            WorkflowStub.fromTyped(flow)
                .getResult(60, TimeUnit.SECONDS, ProvisioningResult.class)
                .status())
        .isEqualTo(WorkflowStatus.ACTIVE);
    return tenant;
  }

  private static UUID backup(UUID tenant) {
    UUID backupId = UUID.randomUUID();
    String id =
        embedded
            .client
            .newWorkflowStub(
                BackupTenantWorkflow.class,
                options(BackupTenantWorkflow.workflowId(tenant, backupId)))
            .backup(new BackupTenantWorkflow.BackupRequest(tenant, backupId, "manual", "e2e"));
    assertThat(id).isEqualTo(backupId.toString());
    assertThat(backups.find(backupId).orElseThrow().good()).isTrue();
    return backupId;
  }

  private static RestoreTenantWorkflow startRestore(
      UUID tenant, UUID backupId, String restoreId, String mode, long graceSeconds) {
    RestoreTenantWorkflow flow =
        embedded.client.newWorkflowStub(
            RestoreTenantWorkflow.class,
            options(RestoreTenantWorkflow.workflowId(tenant, backupId, restoreId)));
    WorkflowClient.start(
        flow::restore,
        new RestoreTenantWorkflow.RestoreRequest(
            tenant, backupId, restoreId, mode, graceSeconds, "e2e"));
    return flow;
  }

  private static void awaitStep(RestoreTenantWorkflow flow, String step) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!step.equals(flow.progress().step())) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("restore did not reach " + step + ": " + flow.progress());
      }
      Thread.sleep(50);
    }
  }

  private static WorkflowOptions options(String id) {
    return WorkflowOptions.newBuilder()
        .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
        .setWorkflowId(id)
        .setWorkflowExecutionTimeout(Duration.ofMinutes(3))
        .build();
  }

  private static DataSource current(UUID tenant) {
    return TestPostgres.superuser(registry.findById(tenant).orElseThrow().databaseName());
  }

  private static void insert(UUID tenant, String... skus) {
    for (String sku : skus) {
      JdbcClient.create(current(tenant))
          .sql("INSERT INTO products (sku, name) VALUES (:s, :s)")
          .param("s", sku)
          .update();
    }
  }

  private static List<String> skus(UUID tenant) {
    return JdbcClient.create(current(tenant))
        .sql("SELECT sku FROM products ORDER BY sku")
        .query(String.class)
        .list();
  }

  private static boolean databaseExists(String name) {
    return count(
            TestPostgres.superuser("postgres"),
            "SELECT count(*) FROM pg_database WHERE datname = ?",
            name)
        > 0;
  }
}
