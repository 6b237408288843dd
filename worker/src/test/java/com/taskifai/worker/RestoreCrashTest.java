package com.taskifai.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.activities.backup.FolderBackupStore;
import com.taskifai.activities.backup.PgClient;
import com.taskifai.activities.database.ImportStaging;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantImports;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.workflows.backup.BackupTenantWorkflow;
import com.taskifai.workflows.backup.RestoreTenantWorkflow;
import com.taskifai.workflows.faults.FaultInjection;
import com.taskifai.workflows.imports.ImportTenantWorkflow;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A worker process killed with SIGKILL in the middle of a replace restore, or of an import: a
 * replacement worker finishes it, and the tenant ends on exactly one database (the restored or
 * imported one), with the rows of the backup or the input, never on both and never on none.
 */
class RestoreCrashTest {
  private static CrashRig rig;

  @BeforeAll
  static void start() {
    rig = new CrashRig();
  }

  @AfterAll
  static void stop() {
    if (rig != null) {
      rig.close();
    }
  }

  @Test
  void aWorkerKilledMidRestoreLeavesTheTenantOnExactlyOneDatabase() throws Exception {
    WorkerProcess child = rig.startWorkerProcess();
    UUID tenant = UUID.randomUUID();
    UUID backupId = UUID.randomUUID();
    // Provision and back up with an in-process worker, then stop it.
    rig.provision(tenant, "kill-" + tenant.toString().substring(0, 8), "local");
    insert(tenant, "k-1", "k-2");
    rig.withWorker(
        () ->
            rig.embedded
                .client
                .newWorkflowStub(
                    BackupTenantWorkflow.class,
                    options(BackupTenantWorkflow.workflowId(tenant, backupId), null))
                .backup(new BackupTenantWorkflow.BackupRequest(tenant, backupId, "manual", "e2e")));
    insert(tenant, "k-3");
    String original = rig.registry.findById(tenant).orElseThrow().databaseName();

    RestoreTenantWorkflow flow =
        rig.embedded.client.newWorkflowStub(
            RestoreTenantWorkflow.class,
            options(RestoreTenantWorkflow.workflowId(tenant, backupId, "kill1"), null));
    CrashRig.killDuring(
        child,
        () -> {
          WorkflowClient.start(
              flow::restore,
              new RestoreTenantWorkflow.RestoreRequest(
                  tenant, backupId, "kill1", "replace", 600, "e2e"));
          // Kill once the restore is past its claim: preparing, restoring or checking.
          return WorkerProcess.awaitStepBeyond(List.of("claim_operation"), () -> step(flow));
        });

    rig.withWorker(
        () -> {
          WorkerProcess.awaitStep(
              "grace_period", () -> step(flow), Duration.ofSeconds(150), "restore finishes");
          flow.retireNow();
          return assertThat(
                  WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, String.class))
              .isEqualTo("SWAPPED");
        });
    assertOnOneDatabase(tenant, original + "_rkill1", "k-1", "k-2");
  }

  @Test
  void aWorkerKilledMidImportLeavesTheTenantOnTheImportedDatabaseAlone() throws Exception {
    WorkerProcess child = rig.startWorkerProcess();
    UUID tenant = UUID.randomUUID();
    String importId = "kill2";
    rig.provision(tenant, "ikill-" + tenant.toString().substring(0, 8), "local");
    insert(tenant, "i-1", "i-2");
    Tenant before = rig.registry.findById(tenant).orElseThrow();
    byte[] dump = customDump(before.databaseName());
    insert(tenant, "i-3");
    TenantImports imports =
        new TenantImports(rig.embedded.platform.platform(), rig.embedded.cipher);
    String workflowId = ImportTenantWorkflow.workflowId(tenant, importId);
    // Staged as the API stages an upload: streamed encrypted into the workers' backup store.
    ImportStaging staging =
        new ImportStaging(
            rig.embedded.platform.platform(),
            new FolderBackupStore(Path.of(rig.embedded.env.get("TASKIFAI_BACKUP_DIR"))),
            rig.embedded.cipher);
    assertThat(
            staging
                .stage(
                    tenant,
                    importId,
                    workflowId,
                    "e2e",
                    "dump.pgc",
                    null,
                    new ImportStaging.Upload() {
                      @Override
                      public java.io.InputStream open() {
                        return new java.io.ByteArrayInputStream(dump);
                      }

                      @Override
                      public long size() {
                        return dump.length;
                      }
                    })
                .format())
        .isEqualTo("custom");
    String copy = before.databaseName() + "_r" + importId;

    ImportTenantWorkflow flow =
        rig.embedded.client.newWorkflowStub(
            ImportTenantWorkflow.class, options(workflowId, "load_input:stall"));
    String stepAtKill =
        CrashRig.killDuring(
            child,
            () -> {
              WorkflowClient.start(
                  flow::importTenant,
                  new ImportTenantWorkflow.ImportRequest(tenant, importId, "custom", 600, "e2e"));
              // The load's first attempt holds its worker once the rows are in: kill it there.
              long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
              while (!("load_input".equals(step(flow)) && products(copy) == 2)) {
                assertThat(child.isAlive() && System.nanoTime() < deadline)
                    .as("the import loads: %s", child.log())
                    .isTrue();
                Thread.sleep(50);
              }
              return step(flow);
            });
    assertThat(stepAtKill).isEqualTo("load_input");

    rig.withWorker(
        () -> {
          WorkerProcess.awaitStep(
              "grace_period", () -> step(flow), Duration.ofSeconds(120), "import finishes");
          assertThat(flow.progress().outcome()).isEqualTo("IMPORTED");
          flow.retireNow();
          return assertThat(
                  WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, String.class))
              .isEqualTo("IMPORTED");
        });
    assertOnOneDatabase(tenant, copy, "i-1", "i-2");
    assertThat(imports.find(tenant, importId).orElseThrow().discarded()).isTrue();
    // Neither worker left the dump's decrypted copy behind.
    try (var left =
        Files.newDirectoryStream(
            Path.of(System.getProperty("java.io.tmpdir")), "taskifai-import-" + importId + "-*")) {
      assertThat(left.iterator().hasNext()).isFalse();
    }
  }

  /**
   * The tenant is on {@code database}, the only database of its name left on the server, holding
   * {@code skus}, and no operation holds it.
   */
  private static void assertOnOneDatabase(UUID tenant, String database, String... skus) {
    Tenant after = rig.registry.findById(tenant).orElseThrow();
    assertThat(after.databaseName()).isEqualTo(database);
    List<String> databases =
        JdbcClient.create(TestPostgres.superuser("postgres"))
            .sql("SELECT datname FROM pg_database WHERE datname LIKE :p")
            .param("p", EmbeddedPlatform.databaseName(tenant) + "%")
            .query(String.class)
            .list();
    assertThat(databases).containsExactly(database);
    assertThat(
            JdbcClient.create(TestPostgres.superuser(database))
                .sql("SELECT sku FROM products ORDER BY sku")
                .query(String.class)
                .list())
        .containsExactly(skus);
    assertThat(rig.claimReleased(tenant)).isTrue();
  }

  private static String step(RestoreTenantWorkflow flow) {
    return CrashRig.step(() -> flow.progress().step(), "claim_operation");
  }

  private static String step(ImportTenantWorkflow flow) {
    return CrashRig.step(() -> flow.progress().step(), "claim_operation");
  }

  /** Products in the database, or -1 while it is not there or holds no table yet. */
  private static long products(String database) {
    try {
      return EmbeddedPlatform.count(
          TestPostgres.superuser(database), "SELECT count(*) FROM products");
    } catch (RuntimeException notYet) {
      return -1;
    }
  }

  /** pg_dump (custom format) of a database of the embedded server. */
  private static byte[] customDump(String database) throws Exception {
    try (PgClient.Started p =
        new PgClient(null)
            .start(
                "pg_dump",
                TestPostgres.jdbcUrl("postgres"),
                "postgres",
                TestPostgres.superuserPassword(),
                database,
                List.of("--format=custom"))) {
      byte[] out = p.stdout().readAllBytes();
      assertThat(p.process().waitFor()).as(p.errors()).isZero();
      return out;
    }
  }

  private static void insert(UUID tenant, String... skus) {
    String db = rig.registry.findById(tenant).orElseThrow().databaseName();
    for (String sku : skus) {
      JdbcClient.create(TestPostgres.superuser(db))
          .sql("INSERT INTO products (sku, name) VALUES (:s, :s)")
          .param("s", sku)
          .update();
    }
  }

  private static WorkflowOptions options(String id, String fault) {
    return WorkflowOptions.newBuilder()
        .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
        .setWorkflowId(id)
        .setWorkflowExecutionTimeout(Duration.ofMinutes(5))
        .setMemo(FaultInjection.memo(fault))
        .build();
  }
}
