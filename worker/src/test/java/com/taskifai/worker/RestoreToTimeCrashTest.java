package com.taskifai.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.ServerArchives;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.testing.ArchivingTestServer;
import com.taskifai.workflows.pitr.RestoreToTimeWorkflow;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A worker process killed with SIGKILL in the middle of a restore to a time (copy): a replacement
 * worker finishes it; the copy holds the rows before the moment only, the tenant stays on its
 * database with its claim released, and no scratch instance or folder is left.
 */
class RestoreToTimeCrashTest {
  private static final String SERVER = "pg-pitr-crash";
  private static final String REGION = "pitr-crash";
  private static CrashRig rig;
  private static EmbeddedPlatform embedded;

  @TempDir Path home;

  @BeforeAll
  static void start() {
    rig = new CrashRig();
    embedded = rig.embedded;
  }

  @AfterAll
  static void stop() {
    if (rig != null) {
      rig.close();
    }
  }

  @Test
  void aWorkerKilledMidRestoreToTimeIsFinishedByAnotherAndLeavesNoScratch() throws Exception {
    try (ArchivingTestServer pg = ArchivingTestServer.start(home, SERVER)) {
      WorkerProcess child = rig.startWorkerProcess();
      new DatabaseServers(embedded.platform.platform())
          .upsert(
              embedded.cipher,
              SERVER,
              REGION,
              pg.jdbcUrl(),
              "postgres",
              ArchivingTestServer.PASSWORD,
              10);
      UUID tenant = UUID.randomUUID();
      String subdomain = "pitrkill-" + tenant.toString().substring(0, 8);
      TenantRegistry registry = rig.registry;
      rig.provision(tenant, subdomain, REGION);
      new ServerArchives(embedded.platform.platform())
          .record(
              SERVER,
              pg.archive().configFile().toString(),
              pg.archive().repository().toString(),
              7);
      String current = registry.findById(tenant).orElseThrow().databaseName();
      pg.archive().backup("full", ArchivingTestServer.PASSWORD);
      insert(pg, current, "k-1", "k-2");
      Thread.sleep(1_100);
      Instant at = Instant.now();
      Thread.sleep(1_100);
      insert(pg, current, "k-3");
      pg.waitForArchived(pg.writeAndSwitchWal(), Duration.ofSeconds(30));

      RestoreToTimeWorkflow flow =
          embedded.client.newWorkflowStub(
              RestoreToTimeWorkflow.class,
              WorkflowOptions.newBuilder()
                  .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                  .setWorkflowId(RestoreToTimeWorkflow.workflowId(tenant, "kill1"))
                  .setWorkflowExecutionTimeout(Duration.ofMinutes(5))
                  .build());
      CrashRig.killDuring(
          child,
          () -> {
            WorkflowClient.start(
                flow::restoreToTime,
                new RestoreToTimeWorkflow.RestoreToTimeRequest(
                    tenant, "kill1", at, "copy", 600, "e2e"));
            // Kill once the restore is past its claim and the new database: in the scratch
            // restore or the copy.
            return WorkerProcess.awaitStepBeyond(
                List.of("claim_operation", "prepare_point_in_time_copy"), () -> step(flow));
          });

      rig.withWorker(
          () -> {
            WorkerProcess.awaitStep(
                "grace_period",
                () -> step(flow),
                Duration.ofSeconds(150),
                "restore finishes in time");
            String copy = flow.progress().newDatabase();
            assertThat(copy).isEqualTo(current + "_rkill1");
            assertThat(skus(pg, copy)).containsExactly("k-1", "k-2");
            assertThat(registry.findById(tenant).orElseThrow().databaseName()).isEqualTo(current);
            assertThat(skus(pg, current)).containsExactly("k-1", "k-2", "k-3");
            Path scratches = pg.archive().repository().getParent().resolveSibling("pitr-scratch");
            assertThat(scratches).isEmptyDirectory();
            assertThat(
                    ProcessHandle.allProcesses()
                        .filter(
                            p ->
                                p.info()
                                    .arguments()
                                    .map(a -> String.join(" ", a).contains(scratches.toString()))
                                    .orElse(false))
                        .count())
                .isZero();
            flow.retireNow();
            return assertThat(
                    WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, String.class))
                .isEqualTo("COPIED");
          });
      assertThat(rig.claimReleased(tenant)).isTrue();
    }
  }

  private static String step(RestoreToTimeWorkflow flow) {
    return CrashRig.step(() -> flow.progress().step(), "claim_operation");
  }

  private static PGSimpleDataSource database(ArchivingTestServer pg, String name) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl("jdbc:postgresql://127.0.0.1:" + pg.server().getPort() + "/" + name);
    ds.setUser("postgres");
    ds.setPassword(ArchivingTestServer.PASSWORD);
    return ds;
  }

  private static void insert(ArchivingTestServer pg, String db, String... skus) {
    for (String sku : skus) {
      JdbcClient.create(database(pg, db))
          .sql("INSERT INTO products (sku, name) VALUES (:s, :s)")
          .param("s", sku)
          .update();
    }
  }

  private static List<String> skus(ArchivingTestServer pg, String db) {
    return JdbcClient.create(database(pg, db))
        .sql("SELECT sku FROM products ORDER BY sku")
        .query(String.class)
        .list();
  }
}
