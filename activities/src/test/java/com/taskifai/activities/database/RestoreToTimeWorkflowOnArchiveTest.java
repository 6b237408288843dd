package com.taskifai.activities.database;

import static com.taskifai.activities.database.PointInTimeRestoresTest.database;
import static com.taskifai.activities.database.PointInTimeRestoresTest.fx;
import static com.taskifai.activities.database.PointInTimeRestoresTest.insertProducts;
import static com.taskifai.activities.database.PointInTimeRestoresTest.postgresProcessesOn;
import static com.taskifai.activities.database.PointInTimeRestoresTest.provision;
import static com.taskifai.activities.database.PointInTimeRestoresTest.skus;
import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.testing.ArchivingTestServer;
import com.taskifai.workflows.pitr.RestoreToTimeWorkflow;
import com.taskifai.workflows.pitr.RestoreToTimeWorkflowImpl;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code RestoreToTimeWorkflow} on the real activities and a real archiving server. Copy: the copy
 * holds the rows of t1 and t2 and not that of t3, is closed to the tenant's app role, leaves the
 * tenant on its database with its claim released and no scratch behind, and is dropped when the
 * grace is cut short. Replace, from a base backup older than the tenant's database: the tenant
 * serves the rows of t1 and t2 afterwards, its old database is retired read-only and dropped, and
 * another tenant of the server is served throughout; a second restore to that moment reads the
 * database under the name it had then.
 */
class RestoreToTimeWorkflowOnArchiveTest {
  @TempDir Path home;

  @Test
  void aCopyToAMomentBetweenT2AndT3IsSealedBesideTheTenantAndDroppedAfterTheGrace()
      throws Exception {
    try (ArchivingTestServer pg = ArchivingTestServer.start(home, "pg-pitr-workflow");
        TestWorkflowEnvironment temporal = TestWorkflowEnvironment.newInstance()) {
      PointInTimeRestoresTest.register(pg);
      UUID tenant = provision().tenantId();
      pg.archive().backup("full", ArchivingTestServer.PASSWORD);
      insertProducts(database(pg, tenant), "sku-t1", "sku-t2");
      Thread.sleep(1_100);
      Instant at = Instant.now();
      Thread.sleep(1_100);
      insertProducts(database(pg, tenant), "sku-t3");
      pg.waitForArchived(pg.writeAndSwitchWal(), Duration.ofSeconds(30));
      String current = fx.tenant(tenant).databaseName();

      Worker worker = temporal.newWorker(ProvisionTenantWorkflow.TASK_QUEUE);
      worker.registerWorkflowImplementationTypes(RestoreToTimeWorkflowImpl.class);
      worker.registerActivitiesImplementations(fx.activities.implementations().toArray());
      temporal.start();
      RestoreToTimeWorkflow flow =
          temporal
              .getWorkflowClient()
              .newWorkflowStub(
                  RestoreToTimeWorkflow.class,
                  WorkflowOptions.newBuilder()
                      .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                      .setWorkflowId(RestoreToTimeWorkflow.workflowId(tenant, "w1"))
                      .build());
      WorkflowClient.start(
          flow::restoreToTime,
          new RestoreToTimeWorkflow.RestoreToTimeRequest(tenant, "w1", at, "copy", 3600, "test"));
      await(() -> "grace_period".equals(flow.progress().step()));

      String copy = flow.progress().newDatabase();
      assertThat(flow.progress().outcome()).isEqualTo("COPIED");
      assertThat(copy).isEqualTo(current + "_rw1");
      assertThat(skus(database(pg, copy))).containsExactly("sku-t1", "sku-t2");
      assertThat(fx.tenant(tenant).databaseName()).isEqualTo(current);
      assertThat(skus(database(pg, current))).containsExactly("sku-t1", "sku-t2", "sku-t3");
      assertThat(new TenantOperations(fx.platform.platform()).current(tenant)).isEmpty();
      Path scratches = pg.archive().repository().getParent().resolveSibling("pitr-scratch");
      assertThat(scratches).isEmptyDirectory();
      assertThat(postgresProcessesOn(scratches)).isZero();
      // Sealed: the tenant's app role cannot connect to the copy.
      TenantCredentials creds = TenantCredentials.decrypt(fx.cipher, fx.tenant(tenant));
      String copyUrl = creds.jdbcUrl().replace("/" + current, "/" + copy);
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () ->
                  DriverManager.getConnection(copyUrl, creds.username(), creds.password()).close())
          .hasMessageContaining("permission denied");

      flow.retireNow();
      WorkflowStub.fromTyped(flow).getResult(String.class);
      assertThat(
              com.taskifai.activities.ActivitiesFixture.count(
                  pgServer(pg), "SELECT count(*) FROM pg_database WHERE datname = ?", copy))
          .isZero();
      assertThat(
              com.taskifai.activities.ActivitiesFixture.count(
                  pgServer(pg), "SELECT count(*) FROM pg_database WHERE datname = ?", current))
          .isOne();
    }
  }

  @Test
  void aReplaceBetweenT2AndT3FromABaseBackupOlderThanTheTenantServesT1AndT2WhileItsNeighbourServes()
      throws Exception {
    try (ArchivingTestServer pg = ArchivingTestServer.start(home, "pg-pitr-workflow");
        TestWorkflowEnvironment temporal = TestWorkflowEnvironment.newInstance()) {
      PointInTimeRestoresTest.register(pg);
      // The base backup predates both tenants' databases: --db-include cannot name them, so the
      // whole cluster is restored into the scratch and replay creates them.
      pg.archive().backup("full", ArchivingTestServer.PASSWORD);
      UUID tenant = provision().tenantId();
      UUID neighbour = provision().tenantId();
      insertProducts(database(pg, tenant), "sku-t1", "sku-t2");
      Thread.sleep(1_100);
      Instant at = Instant.now();
      Thread.sleep(1_100);
      insertProducts(database(pg, tenant), "sku-t3");
      pg.waitForArchived(pg.writeAndSwitchWal(), Duration.ofSeconds(30));
      String current = fx.tenant(tenant).databaseName();

      Worker worker = temporal.newWorker(ProvisionTenantWorkflow.TASK_QUEUE);
      worker.registerWorkflowImplementationTypes(RestoreToTimeWorkflowImpl.class);
      worker.registerActivitiesImplementations(fx.activities.implementations().toArray());
      temporal.start();
      RestoreToTimeWorkflow flow =
          temporal
              .getWorkflowClient()
              .newWorkflowStub(
                  RestoreToTimeWorkflow.class,
                  WorkflowOptions.newBuilder()
                      .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                      .setWorkflowId(RestoreToTimeWorkflow.workflowId(tenant, "w2"))
                      .build());
      try (NeighbourTraffic traffic = new NeighbourTraffic(neighbour)) {
        WorkflowClient.start(
            flow::restoreToTime,
            new RestoreToTimeWorkflow.RestoreToTimeRequest(
                tenant, "w2", at, "replace", 3600, "test"));
        await(() -> "grace_period".equals(flow.progress().step()));
        traffic.assertServedThroughout();
      }

      assertThat(flow.progress().outcome()).isEqualTo("SWAPPED");
      assertThat(flow.progress().retiredDatabase()).isEqualTo(current);
      assertThat(fx.tenant(tenant).databaseName()).isEqualTo(current + "_rw2");
      // The tenant serves the rows of t1 and t2 through its own credentials; t3 is gone.
      assertThat(skus(asApp(tenant))).containsExactly("sku-t1", "sku-t2");
      assertThat(new TenantOperations(fx.platform.platform()).current(tenant)).isEmpty();
      // The old database is retired: read-only, closed to the app role, until its grace ends.
      assertThat(
              org.springframework.jdbc.core.simple.JdbcClient.create(database(pg, current))
                  .sql("SHOW default_transaction_read_only")
                  .query(String.class)
                  .single())
          .isEqualTo("on");
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> skus(asApp(tenant, current)))
          .hasStackTraceContaining("permission denied");
      Path scratches = pg.archive().repository().getParent().resolveSibling("pitr-scratch");
      assertThat(scratches).isEmptyDirectory();

      // Renamed since: a restore to the same moment reads the name the database had then.
      var restores = fx.activities.pointInTime();
      var again =
          new com.taskifai.workflows.ports.PointInTimeActivities.PointInTimeInput(
              tenant, "w3", at, "restore-to-time:w3");
      var third = restores.preparePointInTimeCopy(again);
      restores.restoreScratch(again);
      restores.copyFromScratch(again, third.newDatabase());
      restores.removeScratch(again);
      assertThat(skus(database(pg, third.newDatabase()))).containsExactly("sku-t1", "sku-t2");

      flow.retireNow();
      assertThat(WorkflowStub.fromTyped(flow).getResult(String.class)).isEqualTo("SWAPPED");
      assertThat(
              com.taskifai.activities.ActivitiesFixture.count(
                  pgServer(pg), "SELECT count(*) FROM pg_database WHERE datname = ?", current))
          .isZero();
      assertThat(skus(asApp(tenant))).containsExactly("sku-t1", "sku-t2");
    }
  }

  /** The tenant's database as its app role reaches it (the router's credentials). */
  private static javax.sql.DataSource asApp(UUID tenant) {
    return asApp(tenant, fx.tenant(tenant).databaseName());
  }

  private static javax.sql.DataSource asApp(UUID tenant, String databaseName) {
    TenantCredentials creds = TenantCredentials.decrypt(fx.cipher, fx.tenant(tenant));
    org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
    ds.setUrl(creds.jdbcUrl().replace("/" + fx.tenant(tenant).databaseName(), "/" + databaseName));
    ds.setUser(creds.username());
    ds.setPassword(creds.password());
    return ds;
  }

  /**
   * Another tenant of the same server reading and writing through its own credentials, as the
   * router would, every 50 ms until closed; every failure is kept.
   */
  private static final class NeighbourTraffic implements AutoCloseable {
    private final java.util.concurrent.atomic.AtomicInteger served =
        new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.List<Throwable> failures =
        java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    private final java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    private final Thread thread;

    NeighbourTraffic(UUID neighbour) {
      javax.sql.DataSource app = asApp(neighbour);
      thread =
          new Thread(
              () -> {
                int i = 0;
                while (!stop.get()) {
                  try {
                    insertProducts(app, "n-" + i++);
                    skus(app);
                    served.incrementAndGet();
                    Thread.sleep(50);
                  } catch (InterruptedException e) {
                    return;
                  } catch (RuntimeException e) {
                    failures.add(e);
                  }
                }
              },
              "neighbour-traffic");
      thread.start();
    }

    void assertServedThroughout() {
      assertThat(failures).isEmpty();
      assertThat(served.get()).isGreaterThan(10);
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      thread.join(5_000);
    }
  }

  private static javax.sql.DataSource pgServer(ArchivingTestServer pg) {
    return database(pg, "postgres");
  }

  private static void await(java.util.concurrent.Callable<Boolean> done) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (!done.call()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the restore did not reach its grace period in 90 s");
      }
      Thread.sleep(250);
    }
  }
}
