package com.taskifai.worker;

import static com.taskifai.worker.SecondServer.FIRST;
import static com.taskifai.worker.SecondServer.SECOND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.activities.PlatformActivities;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.WorkflowStatus;
import com.taskifai.workflows.move.MoveTenantWorkflow;
import com.taskifai.workflows.move.OnlineMoveStep;
import com.taskifai.workflows.provisioning.EmailVerified;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.provisioning.ProvisioningResult;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Online moves between two real PostgreSQL clusters on the real worker: the second server runs
 * {@code wal_level = logical}, so a move off it copies with logical replication while a client
 * writes. Every acknowledged write reaches the target, the write pause is short, sequences continue
 * above every copied id, and a failure after the replication started leaves nothing behind.
 */
class OnlineMoveEndToEndTest {
  private static EmbeddedPlatform embedded;
  private static SecondServer servers;
  private static PlatformActivities activities;
  private static PlatformWorker worker;
  private static TenantRegistry registry;
  private static TenantOperations operations;

  @BeforeAll
  static void start() throws Exception {
    embedded = new EmbeddedPlatform();
    embedded.env.put(
        "TASKIFAI_BACKUP_DIR", Files.createTempDirectory("taskifai-online-move").toString());
    servers = new SecondServer(embedded, true);
    activities = PlatformActivities.fromEnvironment(embedded.env);
    worker = embedded.worker(activities);
    worker.start();
    registry = new TenantRegistry(embedded.platform.platform());
    operations = new TenantOperations(embedded.platform.platform());
  }

  @AfterAll
  static void stop() throws Exception {
    EmbeddedPlatform.closeAll(worker, activities, embedded, servers);
  }

  @Test
  void aMoveUnderWritesKeepsEveryAcknowledgedWriteAndSequencesContinueAboveTheCopiedIds()
      throws Exception {
    UUID tenant = provisionOnSecond("live");
    Tenant before = registry.findById(tenant).orElseThrow();
    String database = before.databaseName();
    DataSource source = servers.superuser(SECOND, database);
    JdbcClient.create(source)
        .sql(
            "SET ROLE "
                + owner(tenant)
                + "; CREATE TABLE readings (id bigserial PRIMARY KEY, sku text NOT NULL);"
                + " RESET ROLE")
        .update();
    JdbcClient.create(source)
        .sql(
            "INSERT INTO products (sku, name) SELECT 'bulk-' || g, repeat('x', 200)"
                + " FROM generate_series(1, 20000) g")
        .update();

    Map<String, Long> acked = new ConcurrentHashMap<>();
    AtomicInteger refused = new AtomicInteger();
    AtomicLong lastAck = new AtomicLong(System.nanoTime());
    AtomicLong longestGap = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    Thread writer =
        new Thread(
            () -> {
              for (int n = 0; !stop.get(); n++) {
                String sku = "w-" + n;
                Long id = appWrite(tenant, sku);
                if (id == null) {
                  refused.incrementAndGet(); // a router answers 503 + Retry-After
                  sleep(5);
                  continue;
                }
                acked.put(sku, id);
                long now = System.nanoTime();
                longestGap.accumulateAndGet(now - lastAck.getAndSet(now), Math::max);
              }
            });
    writer.start();
    sleep(300);
    MoveTenantWorkflow flow = startMove(tenant, FIRST, null);
    awaitStep(flow, "grace_period");
    int ackedAtSwap = acked.size();
    sleep(300);
    stop.set(true);
    writer.join();

    MoveTenantWorkflow.MoveProgress progress = flow.progress();
    assertThat(progress.copyMode()).isEqualTo("online");
    assertThat(registry.findById(tenant).orElseThrow().databaseServerId()).isEqualTo(FIRST);
    assertThat(acked.size()).as("writes went on after the swap").isGreaterThan(ackedAtSwap);
    DataSource target = servers.superuser(FIRST, database);
    List<String> skus =
        JdbcClient.create(target).sql("SELECT sku FROM readings").query(String.class).list();
    assertThat(skus).containsAll(acked.keySet());
    assertThat(
            JdbcClient.create(target)
                .sql("SELECT count(*) FROM products WHERE sku LIKE 'bulk-%'")
                .query(Long.class)
                .single())
        .isEqualTo(20000L);
    long highestCopied =
        JdbcClient.create(target).sql("SELECT max(id) FROM readings").query(Long.class).single();
    Long next = appWrite(tenant, "after-the-move");
    assertThat(next).as("a new row's id on the target").isGreaterThan(highestCopied);
    System.out.printf(
        "online move under writes: %d acknowledged, %d refused, longest gap between"
            + " acknowledged writes %d ms%n",
        acked.size(), refused.get(), TimeUnit.NANOSECONDS.toMillis(longestGap.get()));
    assertThat(TimeUnit.NANOSECONDS.toMillis(longestGap.get()))
        .as("longest gap between acknowledged writes (ms)")
        .isLessThan(5_000);

    flow.retireNow();
    assertThat(WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, String.class))
        .isEqualTo("MOVED");
    assertThat(flow.progress().steps())
        .extracting(s -> s.name())
        .containsExactlyElementsOf(OnlineMoveStep.ONLINE_STEPS);
    assertThat(flow.progress().steps())
        .allSatisfy(s -> assertThat(s.state().name()).isEqualTo("DONE"));
    assertNothingLeft(tenant, database);
  }

  @Test
  void aFailureAfterTheReplicationStartedLeavesNoSlotPublicationSubscriptionRoleOrTargetDatabase()
      throws Exception {
    UUID tenant = provisionOnSecond("undo");
    Tenant before = registry.findById(tenant).orElseThrow();
    assertThat(appWriteProduct(tenant, "u-1")).isTrue();

    MoveTenantWorkflow flow = startMove(tenant, FIRST, "set_sequences:after");
    assertThatThrownBy(
            () -> WorkflowStub.fromTyped(flow).getResult(120, TimeUnit.SECONDS, String.class))
        .isInstanceOf(WorkflowFailedException.class);
    assertThat(flow.progress().copyMode()).isEqualTo("online");
    assertThat(flow.progress().error()).contains("injected fault");
    assertThat(flow.progress().steps())
        .filteredOn(s -> s.name().equals("start_replication"))
        .extracting(s -> s.state().name())
        .containsExactly("COMPENSATED");

    Tenant after = registry.findById(tenant).orElseThrow();
    assertThat(after.databaseServerId()).isEqualTo(SECOND);
    assertThat(after.encryptedDatabaseUrl()).isEqualTo(before.encryptedDatabaseUrl());
    assertThat(operations.current(tenant)).isEmpty();
    assertThat(operations.writesHeld(tenant)).isFalse();
    assertThat(servers.tenantDatabases(FIRST, tenant)).isEmpty();
    assertNothingLeft(tenant, before.databaseName());
    // The hold is lifted: the app role writes on the source again.
    assertThat(appWriteProduct(tenant, "u-2")).isTrue();
  }

  // ---- helpers ----

  /** No replication slot, publication or role of the move on the source, no subscription. */
  private static void assertNothingLeft(UUID tenant, String database) {
    String name = "taskifai_move_" + tenant.toString().replace("-", "");
    for (String server : List.of(FIRST, SECOND)) {
      JdbcClient admin = JdbcClient.create(servers.superuser(server, "postgres"));
      assertThat(
              admin
                  .sql(
                      "SELECT slot_name FROM pg_replication_slots"
                          + " WHERE database = :d OR slot_name = :n")
                  .param("d", database)
                  .param("n", name)
                  .query(String.class)
                  .list())
          .as("replication slots on " + server)
          .isEmpty();
      assertThat(
              admin
                  .sql("SELECT subname FROM pg_subscription WHERE subname = :n")
                  .param("n", name)
                  .query(String.class)
                  .list())
          .as("subscriptions on " + server)
          .isEmpty();
      assertThat(
              admin
                  .sql("SELECT rolname FROM pg_roles WHERE rolname = :n")
                  .param("n", name)
                  .query(String.class)
                  .list())
          .as("move roles on " + server)
          .isEmpty();
      if (servers.tenantDatabases(server, tenant).contains(database)) {
        assertThat(
                JdbcClient.create(servers.superuser(server, database))
                    .sql("SELECT pubname FROM pg_publication")
                    .query(String.class)
                    .list())
            .as("publications in " + database + " on " + server)
            .isEmpty();
      }
    }
  }

  /** Provisions a tenant onto the logical server: the shared one is closed meanwhile. */
  private static UUID provisionOnSecond(String prefix) throws Exception {
    String was = servers.state(FIRST);
    servers.state(FIRST, "CLOSED");
    try {
      UUID tenant = UUID.randomUUID();
      String subdomain = prefix + "-" + tenant.toString().substring(0, 8);
      ProvisionTenantWorkflow flow = embedded.startProvisioning(tenant, subdomain, null);
      flow.emailVerified(new EmailVerified("e2e"));
      assertThat(
              WorkflowStub.fromTyped(flow)
                  .getResult(90, TimeUnit.SECONDS, ProvisioningResult.class)
                  .status())
          .isEqualTo(WorkflowStatus.ACTIVE);
      assertThat(registry.findById(tenant).orElseThrow().databaseServerId()).isEqualTo(SECOND);
      return tenant;
    } finally {
      servers.state(FIRST, was);
    }
  }

  private static String owner(UUID tenant) {
    return "t_" + tenant.toString().replace("-", "") + "_owner";
  }

  private static MoveTenantWorkflow startMove(UUID tenant, String target, String fault) {
    MoveTenantWorkflow flow =
        embedded.client.newWorkflowStub(
            MoveTenantWorkflow.class,
            MoveTenantEndToEndTest.options(WorkflowIds.move(tenant, target), fault));
    WorkflowClient.start(
        flow::move, new MoveTenantWorkflow.MoveRequest(tenant, target, 600, "e2e", null));
    return flow;
  }

  private static void awaitStep(MoveTenantWorkflow flow, String step) {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (!step.equals(flow.progress().step())) {
      if (System.nanoTime() > deadline || "FAILED".equals(flow.progress().outcome())) {
        throw new AssertionError("move did not reach " + step + ": " + flow.progress());
      }
      sleep(50);
    }
  }

  /** A connection as the tenant's app role, where the registry points now (as a router opens). */
  private static Connection app(UUID tenant) throws SQLException {
    TenantCredentials c =
        TenantCredentials.decrypt(embedded.cipher, registry.findById(tenant).orElseThrow());
    Connection connection = DriverManager.getConnection(c.jdbcUrl(), c.username(), c.password());
    connection.setAutoCommit(false);
    try (PreparedStatement ps =
        connection.prepareStatement("SELECT set_config('app.user_role', 'admin', true)")) {
      ps.execute();
    }
    return connection;
  }

  /** One write as the app role (a reading with a sequence id); its id once committed, else null. */
  private static Long appWrite(UUID tenant, String sku) {
    try (Connection c = app(tenant);
        PreparedStatement ps =
            c.prepareStatement("INSERT INTO readings (sku) VALUES (?) RETURNING id")) {
      ps.setString(1, sku);
      long id;
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        id = rs.getLong(1);
      }
      c.commit();
      return id;
    } catch (SQLException e) {
      return null;
    }
  }

  private static boolean appWriteProduct(UUID tenant, String sku) {
    try (Connection c = app(tenant);
        PreparedStatement ps =
            c.prepareStatement("INSERT INTO products (sku, name) VALUES (?, ?)")) {
      ps.setString(1, sku);
      ps.setString(2, sku);
      ps.executeUpdate();
      c.commit();
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
