package com.taskifai.worker;

import static com.taskifai.worker.SecondServer.FIRST;
import static com.taskifai.worker.SecondServer.SECOND;
import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.move.MoveTenantWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A worker process killed with SIGKILL in the middle of a move (holding writes, copying or
 * checking): a replacement worker finishes it, and the tenant ends on exactly one database, on the
 * server the registry names, with every row, its writes no longer held.
 */
class MoveCrashTest {
  private static CrashRig rig;
  private static EmbeddedPlatform embedded;
  private static SecondServer servers;

  @BeforeAll
  static void start() throws Exception {
    rig = new CrashRig();
    embedded = rig.embedded;
    servers = new SecondServer(embedded, true);
  }

  @AfterAll
  static void stop() throws Exception {
    EmbeddedPlatform.closeAll(rig, servers);
  }

  @Test
  void aWorkerKilledMidMoveLeavesTheTenantOnExactlyOneDatabase() throws Exception {
    WorkerProcess child = rig.startWorkerProcess();
    UUID tenant = UUID.randomUUID();
    String subdomain = "mvkill-" + tenant.toString().substring(0, 8);
    TenantRegistry registry = rig.registry;
    servers.state(SECOND, "CLOSED");
    rig.provision(tenant, subdomain, "local");
    servers.state(SECOND, "OPEN");
    Tenant before = registry.findById(tenant).orElseThrow();
    assertThat(before.databaseServerId()).isEqualTo(FIRST);
    // Enough rows that the copy takes a while.
    JdbcClient.create(servers.superuser(FIRST, before.databaseName()))
        .sql(
            "INSERT INTO products (sku, name) SELECT 'k-' || g, repeat('x', 200)"
                + " FROM generate_series(1, 100000) g")
        .update();

    MoveTenantWorkflow flow =
        embedded.client.newWorkflowStub(
            MoveTenantWorkflow.class,
            MoveTenantEndToEndTest.options(WorkflowIds.move(tenant, SECOND), null));
    CrashRig.killDuring(
        child,
        () -> {
          WorkflowClient.start(
              flow::move, new MoveTenantWorkflow.MoveRequest(tenant, SECOND, 600, "e2e", null));
          // Kill once writes are held: while holding, copying or checking.
          List<String> early = List.of("claim_operation", "check_move", "prepare_move_target");
          return WorkerProcess.awaitStepBeyond(early, () -> step(flow));
        });

    rig.withWorker(
        () -> {
          WorkerProcess.awaitStep(
              "grace_period", () -> step(flow), Duration.ofSeconds(180), "move finishes in time");
          flow.retireNow();
          return assertThat(
                  WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, String.class))
              .isEqualTo("MOVED");
        });
    Tenant after = registry.findById(tenant).orElseThrow();
    assertThat(after.databaseServerId()).isEqualTo(SECOND);
    List<String> everywhere = new ArrayList<>();
    everywhere.addAll(
        servers.tenantDatabases(FIRST, tenant).stream().map(d -> FIRST + "/" + d).toList());
    everywhere.addAll(
        servers.tenantDatabases(SECOND, tenant).stream().map(d -> SECOND + "/" + d).toList());
    assertThat(everywhere).containsExactly(SECOND + "/" + after.databaseName());
    assertThat(
            JdbcClient.create(servers.superuser(SECOND, after.databaseName()))
                .sql("SELECT count(*) FROM products")
                .query(Long.class)
                .single())
        .isEqualTo(100000L);
    TenantOperations operations = rig.operations;
    assertThat(operations.current(tenant)).isEmpty();
    assertThat(operations.writesHeld(tenant)).isFalse();
  }

  @Test
  void aWorkerKilledDuringAnOnlineMovesCatchUpIsReplacedAndNoReplicationIsLeft() throws Exception {
    UUID tenant = UUID.randomUUID();
    String subdomain = "olkill-" + tenant.toString().substring(0, 8);
    TenantRegistry registry = rig.registry;
    servers.state(FIRST, "CLOSED");
    try {
      rig.provision(tenant, subdomain, "local");
    } finally {
      servers.state(FIRST, "OPEN");
    }
    Tenant before = registry.findById(tenant).orElseThrow();
    assertThat(before.databaseServerId()).isEqualTo(SECOND);
    JdbcClient.create(servers.superuser(SECOND, before.databaseName()))
        .sql(
            "INSERT INTO products (sku, name) SELECT 'o-' || g, repeat('x', 200)"
                + " FROM generate_series(1, 20000) g")
        .update();

    WorkerProcess child = rig.startWorkerProcess();
    MoveTenantWorkflow flow =
        embedded.client.newWorkflowStub(
            MoveTenantWorkflow.class,
            MoveTenantEndToEndTest.options(WorkflowIds.move(tenant, FIRST), "catch_up:stall"));
    CrashRig.killDuring(
        child,
        () -> {
          WorkflowClient.start(
              flow::move, new MoveTenantWorkflow.MoveRequest(tenant, FIRST, 600, "e2e", null));
          // The first catch_up holds the worker once it has looked: kill it there.
          WorkerProcess.awaitStep(
              "catch_up", () -> step(flow), Duration.ofSeconds(60), "the move reaches catch_up");
          Thread.sleep(500);
          return step(flow);
        });

    rig.withWorker(
        () -> {
          WorkerProcess.awaitStep(
              "grace_period", () -> step(flow), Duration.ofSeconds(120), "move finishes in time");
          assertThat(flow.progress().copyMode()).isEqualTo("online");
          flow.retireNow();
          return assertThat(
                  WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, String.class))
              .isEqualTo("MOVED");
        });
    Tenant after = registry.findById(tenant).orElseThrow();
    assertThat(after.databaseServerId()).isEqualTo(FIRST);
    assertThat(servers.tenantDatabases(SECOND, tenant)).isEmpty();
    assertThat(
            JdbcClient.create(servers.superuser(FIRST, after.databaseName()))
                .sql("SELECT count(*) FROM products WHERE sku LIKE 'o-%'")
                .query(Long.class)
                .single())
        .isEqualTo(20000L);
    String name = "taskifai_move_" + tenant.toString().replace("-", "");
    for (String server : List.of(FIRST, SECOND)) {
      JdbcClient admin = JdbcClient.create(servers.superuser(server, "postgres"));
      assertThat(
              admin
                  .sql(
                      "SELECT (SELECT count(*) FROM pg_replication_slots WHERE slot_name = :n)"
                          + " + (SELECT count(*) FROM pg_subscription WHERE subname = :n)"
                          + " + (SELECT count(*) FROM pg_roles WHERE rolname = :n)")
                  .param("n", name)
                  .query(Long.class)
                  .single())
          .as("slots, subscriptions and roles of the move on " + server)
          .isZero();
    }
  }

  private static String step(MoveTenantWorkflow flow) {
    return CrashRig.step(() -> flow.progress().step(), "claim_operation");
  }
}
