package com.taskifai.worker;

import static com.taskifai.worker.SecondServer.FIRST;
import static com.taskifai.worker.SecondServer.SECOND;
import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.move.MoveTenantWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
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
 * checking; an online move's catch-up; an online move's write hold): a replacement worker finishes
 * it, and the tenant ends on exactly one database, on the server the registry names, with every
 * row, its writes no longer held.
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
    assertOnlyDatabase(tenant, SECOND + "/" + after.databaseName());
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
    onSecondWithProducts(tenant, subdomain, "o", 20000);

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
    assertNoReplication(tenant, after.databaseName());
  }

  /**
   * SIGKILL while an online move holds the tenant's writes (after await_zero_lag confirmed lag 0,
   * before the sequences, the check and the swap): the replacement worker finds the hold and the
   * replication where the dead one left them and finishes the move. The tenant ends on exactly one
   * database, writable by its app role, no hold or claim left, no slot, publication, subscription
   * or move role on either server.
   */
  @Test
  void aWorkerKilledWhileAnOnlineMoveHoldsWritesIsReplacedAndNothingIsLeft() throws Exception {
    UUID tenant = UUID.randomUUID();
    String subdomain = "hdkill-" + tenant.toString().substring(0, 8);
    TenantRegistry registry = rig.registry;
    onSecondWithProducts(tenant, subdomain, "h", 5000);

    WorkerProcess child = rig.startWorkerProcess();
    MoveTenantWorkflow flow =
        embedded.client.newWorkflowStub(
            MoveTenantWorkflow.class,
            MoveTenantEndToEndTest.options(
                WorkflowIds.move(tenant, FIRST), "await_zero_lag:stall"));
    String killedIn =
        CrashRig.killDuring(
            child,
            () -> {
              WorkflowClient.start(
                  flow::move, new MoveTenantWorkflow.MoveRequest(tenant, FIRST, 600, "e2e", null));
              // await_zero_lag's first attempt reaches lag 0 and then holds the worker.
              WorkerProcess.awaitStep(
                  "await_zero_lag",
                  () -> step(flow),
                  Duration.ofSeconds(120),
                  "the move reaches await_zero_lag");
              Thread.sleep(1000);
              return step(flow);
            });
    assertThat(killedIn).isEqualTo("await_zero_lag");
    // Killed with the hold on: the tenant's writes are held and its source is read-only.
    assertThat(rig.operations.writesHeld(tenant)).as("writes held at the kill").isTrue();
    assertThat(appWrites(tenant, "while-held")).as("a write while held").isFalse();

    rig.withWorker(
        () -> {
          WorkerProcess.awaitStep(
              "grace_period", () -> step(flow), Duration.ofSeconds(180), "move finishes in time");
          assertThat(flow.progress().copyMode()).isEqualTo("online");
          flow.retireNow();
          return assertThat(
                  WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, String.class))
              .isEqualTo("MOVED");
        });
    Tenant after = registry.findById(tenant).orElseThrow();
    assertThat(after.databaseServerId()).isEqualTo(FIRST);
    assertOnlyDatabase(tenant, FIRST + "/" + after.databaseName());
    assertThat(
            JdbcClient.create(servers.superuser(FIRST, after.databaseName()))
                .sql("SELECT count(*) FROM products WHERE sku LIKE 'h-%'")
                .query(Long.class)
                .single())
        .isEqualTo(5000L);
    assertThat(rig.operations.current(tenant)).as("the claim").isEmpty();
    assertThat(rig.operations.writesHeld(tenant)).as("the hold").isFalse();
    assertThat(appWrites(tenant, "after-the-move")).as("a write after the move").isTrue();
    assertNoReplication(tenant, after.databaseName());
  }

  /**
   * Provisions the tenant on {@code SECOND} (FIRST closed meanwhile), where an online move to FIRST
   * starts from, with {@code rows} products whose sku starts with {@code prefix}.
   */
  private static void onSecondWithProducts(UUID tenant, String subdomain, String prefix, int rows)
      throws Exception {
    servers.state(FIRST, "CLOSED");
    try {
      rig.provision(tenant, subdomain, "local");
    } finally {
      servers.state(FIRST, "OPEN");
    }
    Tenant before = rig.registry.findById(tenant).orElseThrow();
    assertThat(before.databaseServerId()).isEqualTo(SECOND);
    JdbcClient.create(servers.superuser(SECOND, before.databaseName()))
        .sql(
            "INSERT INTO products (sku, name) SELECT '"
                + prefix
                + "-' || g, repeat('x', 200) FROM generate_series(1, "
                + rows
                + ") g")
        .update();
  }

  /** The tenant's databases on both servers are exactly {@code serverAndDatabase}. */
  private static void assertOnlyDatabase(UUID tenant, String serverAndDatabase) {
    List<String> everywhere = new ArrayList<>();
    for (String server : List.of(FIRST, SECOND)) {
      everywhere.addAll(
          servers.tenantDatabases(server, tenant).stream().map(d -> server + "/" + d).toList());
    }
    assertThat(everywhere).containsExactly(serverAndDatabase);
  }

  /** One insert as the tenant's app role where the registry points; true once committed. */
  private static boolean appWrites(UUID tenant, String sku) {
    TenantCredentials creds =
        TenantCredentials.decrypt(embedded.cipher, rig.registry.findById(tenant).orElseThrow());
    try (Connection c =
        DriverManager.getConnection(creds.jdbcUrl(), creds.username(), creds.password())) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute("SELECT set_config('app.user_role', 'admin', true)");
        st.executeUpdate("INSERT INTO products (sku, name) VALUES ('" + sku + "', '" + sku + "')");
      }
      c.commit();
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  /** No slot, subscription or role of the tenant's move on either server, no publication. */
  private static void assertNoReplication(UUID tenant, String database) {
    String name = "taskifai_move_" + tenant.toString().replace("-", "");
    for (String server : List.of(FIRST, SECOND)) {
      JdbcClient admin = JdbcClient.create(servers.superuser(server, "postgres"));
      assertThat(
              admin
                  .sql(
                      "SELECT (SELECT count(*) FROM pg_replication_slots"
                          + " WHERE slot_name = :n OR database = :d)"
                          + " + (SELECT count(*) FROM pg_subscription WHERE subname = :n)"
                          + " + (SELECT count(*) FROM pg_roles WHERE rolname = :n)")
                  .param("n", name)
                  .param("d", database)
                  .query(Long.class)
                  .single())
          .as("slots, subscriptions and roles of the move on " + server)
          .isZero();
      if (servers.tenantDatabases(server, tenant).contains(database)) {
        assertThat(
                JdbcClient.create(servers.superuser(server, database))
                    .sql("SELECT count(*) FROM pg_publication")
                    .query(Long.class)
                    .single())
            .as("publications in " + database + " on " + server)
            .isZero();
      }
    }
  }

  private static String step(MoveTenantWorkflow flow) {
    return CrashRig.step(() -> flow.progress().step(), "claim_operation");
  }
}
