package com.taskifai.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.activities.PlatformActivities;
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
  private static final long COPY_ROWS = 200_000;
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

  /**
   * The worker is SIGKILLed while {@code copy_from_scratch} pipes the scratch's dump into the new
   * database (a {@code pg_restore} into it runs): the scratch PostgreSQL, pg_dump and pg_restore it
   * started outlive it. The replacement retries the copy, the replace restore swaps in, and after
   * the grace nothing of the restore is left: no scratch instance, folder or client program, one
   * database of the tenant on its server, its owner role without a login, no orphan for the
   * reconciler.
   */
  @Test
  void aWorkerKilledMidCopyFromScratchIsFinishedByAnotherAndLeavesNothingBehind() throws Exception {
    String server = SERVER + "-copy";
    String region = REGION + "-copy";
    try (ArchivingTestServer pg = ArchivingTestServer.start(home, server)) {
      WorkerProcess child = rig.startWorkerProcess();
      new DatabaseServers(embedded.platform.platform())
          .upsert(
              embedded.cipher,
              server,
              region,
              pg.jdbcUrl(),
              "postgres",
              ArchivingTestServer.PASSWORD,
              10);
      UUID tenant = UUID.randomUUID();
      String subdomain = "pitrcopy-" + tenant.toString().substring(0, 8);
      TenantRegistry registry = rig.registry;
      rig.provision(tenant, subdomain, region);
      new ServerArchives(embedded.platform.platform())
          .record(
              server,
              pg.archive().configFile().toString(),
              pg.archive().repository().toString(),
              7);
      String current = registry.findById(tenant).orElseThrow().databaseName();
      // Enough rows that the copy's dump|restore lasts seconds, long enough to kill inside it.
      BackupBenchmark.fill(database(pg, current), (int) COPY_ROWS);
      pg.archive().backup("full", ArchivingTestServer.PASSWORD);
      insert(pg, current, "k-1", "k-2");
      Thread.sleep(1_100);
      Instant at = Instant.now();
      Thread.sleep(1_100);
      insert(pg, current, "k-3");
      pg.waitForArchived(pg.writeAndSwitchWal(), Duration.ofSeconds(30));
      String copy = current + "_rkill2";

      RestoreToTimeWorkflow flow =
          embedded.client.newWorkflowStub(
              RestoreToTimeWorkflow.class,
              WorkflowOptions.newBuilder()
                  .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                  .setWorkflowId(RestoreToTimeWorkflow.workflowId(tenant, "kill2"))
                  .setWorkflowExecutionTimeout(Duration.ofMinutes(8))
                  .build());
      String stepAtKill =
          CrashRig.killDuring(
              child,
              () -> {
                WorkflowClient.start(
                    flow::restoreToTime,
                    new RestoreToTimeWorkflow.RestoreToTimeRequest(
                        tenant, "kill2", at, "replace", 600, "e2e"));
                // Kill while pg_restore writes the copy into the new database.
                long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
                while (clientsOf(copy) == 0 && System.nanoTime() < deadline) {
                  Thread.sleep(20);
                }
                return step(flow);
              });
      assertThat(stepAtKill).isEqualTo("copy_from_scratch");

      rig.withWorker(
          () -> {
            WorkerProcess.awaitStep(
                "grace_period",
                () -> step(flow),
                Duration.ofMinutes(4),
                "restore finishes in time");
            assertThat(flow.progress().outcome()).isEqualTo("SWAPPED");
            assertThat(flow.progress().newDatabase()).isEqualTo(copy);
            assertThat(registry.findById(tenant).orElseThrow().databaseName()).isEqualTo(copy);
            assertThat(skus(pg, copy)).containsExactly("k-1", "k-2");
            assertThat(
                    JdbcClient.create(database(pg, copy))
                        .sql("SELECT count(*) FROM sellout_entries2")
                        .query(Long.class)
                        .single())
                .isEqualTo(COPY_ROWS);
            flow.retireNow();
            return assertThat(
                    WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, String.class))
                .isEqualTo("SWAPPED");
          });
      assertThat(rig.claimReleased(tenant)).isTrue();

      // Nothing of the restore is left: scratch folder, scratch instance, client programs.
      Path scratches = pg.archive().repository().getParent().resolveSibling("pitr-scratch");
      assertThat(scratches).isEmptyDirectory();
      assertThat(processesNaming(scratches.toString())).isZero();
      assertThat(clientsOf(copy)).isZero();
      assertThat(clientsOf(current)).isZero();
      // One database of the tenant (the restored one; the replaced one was retired and dropped)
      // beside the server's own.
      JdbcClient admin = JdbcClient.create(database(pg, "postgres"));
      assertThat(
              admin
                  .sql(
                      "SELECT datname FROM pg_database WHERE datname NOT IN ('postgres', 'tenant_template',"
                          + " 'template0', 'template1') ORDER BY datname")
                  .query(String.class)
                  .list())
          .containsExactly(copy);
      // The tenant's two roles and no more; the owner's one-time login is taken back.
      String hex = tenant.toString().replace("-", "");
      String app =
          com.taskifai.registry.TenantCredentials.decrypt(
                  embedded.cipher, registry.findById(tenant).orElseThrow())
              .username();
      assertThat(
              admin
                  .sql("SELECT rolname FROM pg_roles WHERE rolname LIKE :p ORDER BY rolname")
                  .param("p", "%" + hex + "%")
                  .query(String.class)
                  .list())
          .containsExactlyInAnyOrder(app, "t_" + hex + "_owner");
      assertThat(
              admin
                  .sql("SELECT rolcanlogin FROM pg_roles WHERE rolname = :r")
                  .param("r", "t_" + hex + "_owner")
                  .query(Boolean.class)
                  .single())
          .isFalse();
      // The reconciler finds nothing left on the server either.
      try (PlatformActivities activities = PlatformActivities.fromEnvironment(embedded.env)) {
        var scan = activities.fleet().scanFleet();
        assertThat(scan.orphans()).filteredOn(o -> server.equals(o.serverId())).isEmpty();
        assertThat(scan.problems()).noneMatch(p -> p.contains(server));
      }
    }
  }

  /** Live processes whose command line names {@code text}. */
  private static long processesNaming(String text) {
    return ProcessHandle.allProcesses()
        .filter(ProcessHandle::isAlive)
        .filter(
            p -> p.info().arguments().map(a -> String.join(" ", a).contains(text)).orElse(false))
        .count();
  }

  /** Live pg_dump or pg_restore processes of {@code database} (their --dbname). */
  private static long clientsOf(String database) {
    return ProcessHandle.allProcesses()
        .filter(ProcessHandle::isAlive)
        .filter(
            p ->
                p.info()
                        .command()
                        .map(c -> c.endsWith("pg_restore") || c.endsWith("pg_dump"))
                        .orElse(false)
                    && p.info()
                        .arguments()
                        .map(a -> java.util.Arrays.asList(a).contains("--dbname=" + database))
                        .orElse(false))
        .count();
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
