package com.taskifai.worker;

import static com.taskifai.worker.SecondServer.FIRST;
import static com.taskifai.worker.SecondServer.SECOND;
import static com.taskifai.worker.SecondServer.THIRD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.activities.PlatformActivities;
import com.taskifai.registry.ServerDrains;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.tenantschema.TrialSchema;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.WorkflowStatus;
import com.taskifai.workflows.faults.FaultInjection;
import com.taskifai.workflows.move.DrainServerWorkflow;
import com.taskifai.workflows.move.MoveTenantWorkflow;
import com.taskifai.workflows.move.OnlineMoveStep;
import com.taskifai.workflows.ports.Orphan;
import com.taskifai.workflows.ports.OrphanRemoval;
import com.taskifai.workflows.provisioning.EmailVerified;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.provisioning.ProvisioningResult;
import com.taskifai.workflows.trial.PromoteTenantRequest;
import com.taskifai.workflows.trial.PromoteTenantWorkflow;
import com.taskifai.workflows.trial.PromotionProgress;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
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
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Moving tenants between two real PostgreSQL clusters on the real worker, activities, pg_dump and
 * pg_restore: a round trip keeps every row and retires the old database; writes during a move are
 * held (and fenced) and nothing acknowledged is lost; a failure before the swap leaves the tenant
 * where it was with nothing on the target; a drain empties and closes a server. The second server
 * runs {@code wal_level = logical} and the shared one {@code replica}: moves onto the second copy
 * with pg_dump (the fallback), moves off it online (logical replication). A trial on the second
 * server is promoted online the same way, its rows alone. A third server runs PostgreSQL 17 (CLOSED
 * but while a test moves onto it): tenants move and drain onto it online from the 15 ones, and what
 * pg_dump 15 cannot do there is refused early.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MoveTenantEndToEndTest {
  private static EmbeddedPlatform embedded;
  private static SecondServer servers;
  private static SecondServer pg17;
  private static UUID onSeventeen;
  private static PlatformActivities activities;
  private static PlatformWorker worker;
  private static TenantRegistry registry;
  private static TenantOperations operations;
  // The other trial of the online promotion test, still a trial: the failure test promotes it.
  private static UUID spareTrial;

  @BeforeAll
  static void start() throws Exception {
    embedded = new EmbeddedPlatform();
    embedded.env.put(
        "TASKIFAI_BACKUP_DIR", Files.createTempDirectory("taskifai-move-backups").toString());
    servers = new SecondServer(embedded, true);
    pg17 = SecondServer.postgres17(embedded);
    activities = PlatformActivities.fromEnvironment(embedded.env);
    worker = embedded.worker(activities);
    worker.start();
    registry = new TenantRegistry(embedded.platform.platform());
    operations = new TenantOperations(embedded.platform.platform());
  }

  @AfterAll
  static void stop() throws Exception {
    EmbeddedPlatform.closeAll(worker, activities, embedded, servers, pg17);
  }

  @Test
  @Order(0)
  void drainingA15ServerInto17UnderWritesMovesItsTenantOnlineWithEveryWriteAndItsSequences()
      throws Exception {
    UUID tenant = provisionOn(SECOND, "up17");
    String database = registry.findById(tenant).orElseThrow().databaseName();
    createReadings(tenant, servers.superuser(SECOND, database));
    JdbcClient.create(servers.superuser(SECOND, database))
        .sql(
            "INSERT INTO products (sku, name) SELECT 'seventeen-' || g, g::text"
                + " FROM generate_series(1, 2000) g")
        .update();
    Writer writer = Writer.start(tenant);
    // The 17 server is the only place to go.
    servers.state(FIRST, "CLOSED");
    pg17.state(THIRD, "OPEN");
    try {
      assertThat(new ServerDrains(embedded.platform.platform()).markDraining(SECOND)).isTrue();
      DrainServerWorkflow drain =
          embedded.client.newWorkflowStub(
              DrainServerWorkflow.class, options(WorkflowIds.drain(SECOND), null));
      WorkflowClient.start(drain::drain, DrainServerWorkflow.DrainRequest.of(SECOND, 1, 1, "e2e"));
      assertThat(WorkflowStub.fromTyped(drain).getResult(120, TimeUnit.SECONDS, String.class))
          .isEqualTo("CLOSED");
    } finally {
      servers.state(FIRST, "OPEN");
      servers.state(SECOND, "OPEN");
      pg17.state(THIRD, "CLOSED");
    }
    int ackedAtSwap = writer.acked.size();
    sleep(300);
    writer.stop();

    assertThat(registry.findById(tenant).orElseThrow().databaseServerId()).isEqualTo(THIRD);
    DataSource target = pg17.superuser(THIRD, database);
    assertThat(majorVersion(target)).isEqualTo(17);
    MoveTenantWorkflow move =
        embedded.client.newWorkflowStub(MoveTenantWorkflow.class, WorkflowIds.move(tenant, THIRD));
    assertThat(move.progress().copyMode()).isEqualTo("online");
    assertThat(writer.acked.size()).as("writes went on after the swap").isGreaterThan(ackedAtSwap);
    assertThat(JdbcClient.create(target).sql("SELECT sku FROM readings").query(String.class).list())
        .containsAll(writer.acked.keySet());
    long highestCopied =
        JdbcClient.create(target).sql("SELECT max(id) FROM readings").query(Long.class).single();
    assertThat(appWrite(tenant, "after-the-move")).isGreaterThan(highestCopied);
    assertThat(appSkus(tenant)).hasSize(2000);
    System.out.printf(
        "online move 15 -> 17 (a drain) under writes: %d acknowledged, %d refused, longest gap"
            + " %d ms%n",
        writer.acked.size(), writer.refused.get(), writer.longestGapMillis());
    // The move's one-second grace ends: its old copy on the 15 server goes.
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!servers.tenantDatabases(SECOND, tenant).isEmpty()) {
      assertThat(System.nanoTime()).as("old copy retired").isLessThan(deadline);
      sleep(200);
    }
    assertNoReplicationOf(tenant, database, pg17, THIRD);
    onSeventeen = tenant;
  }

  @Test
  @Order(1)
  void aMoveCopiesEveryRowSwapsTheRegistryAndDropsTheOldDatabaseAfterItsGrace() throws Exception {
    UUID tenant = provisionOn(FIRST, "mv");
    Tenant before = registry.findById(tenant).orElseThrow();
    insert(tenant, "a-1", "a-2", "a-3");

    MoveTenantWorkflow flow = startMove(tenant, SECOND, 2, null);
    assertThat(WorkflowStub.fromTyped(flow).getResult(120, TimeUnit.SECONDS, String.class))
        .isEqualTo("MOVED");

    Tenant after = registry.findById(tenant).orElseThrow();
    assertThat(after.databaseServerId()).isEqualTo(SECOND);
    assertThat(after.databaseName()).isEqualTo(before.databaseName());
    assertThat(after.encryptedDatabaseUrl()).isNotEqualTo(before.encryptedDatabaseUrl());
    assertThat(operations.current(tenant)).isEmpty();
    assertThat(operations.writesHeld(tenant)).isFalse();
    // The app role logs in on the new server with the password the registry holds.
    assertThat(appSkus(tenant)).containsExactly("a-1", "a-2", "a-3");
    assertThat(appInsert(tenant, "a-4")).isTrue();
    assertThat(servers.tenantDatabases(SECOND, tenant)).containsExactly(before.databaseName());
    // Retired after the grace: no database and no role of the tenant left on the old server.
    assertThat(servers.tenantDatabases(FIRST, tenant)).isEmpty();
    assertThat(servers.tenantRoles(FIRST, tenant)).isEmpty();
    assertThat(flow.progress().steps())
        .allSatisfy(s -> assertThat(s.state().name()).isEqualTo("DONE"));
    // The shared server runs wal_level = replica: the move says so and copies with pg_dump.
    assertThat(flow.progress().copyMode()).isEqualTo("dump");
    assertThat(flow.progress().copyModeReason()).contains("wal_level is replica");
  }

  @Test
  @Order(2)
  void writesDuringAMoveAreHeldAndEveryAcknowledgedRowIsOnTheNewServer() throws Exception {
    UUID tenant = provisionOn(FIRST, "busy");
    // Enough rows that the copy takes a moment.
    JdbcClient.create(
            servers.superuser(FIRST, registry.findById(tenant).orElseThrow().databaseName()))
        .sql(
            "INSERT INTO products (sku, name) SELECT 'bulk-' || g, repeat('x', 200)"
                + " FROM generate_series(1, 20000) g")
        .update();
    Set<String> acked = ConcurrentHashMap.newKeySet();
    AtomicInteger held = new AtomicInteger();
    AtomicInteger staleRefused = new AtomicInteger();
    AtomicInteger readsWhileHeld = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    java.util.concurrent.atomic.AtomicLong firstHeld = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicLong lastHeld = new java.util.concurrent.atomic.AtomicLong();
    Thread writer =
        new Thread(
            () -> {
              int n = 0;
              while (!stop.get()) {
                String sku = "w-" + n++;
                boolean isHeld = operations.writesHeld(tenant);
                if (isHeld) {
                  held.incrementAndGet(); // a router answers 503 + Retry-After
                  firstHeld.compareAndSet(0, System.nanoTime());
                  lastHeld.set(System.nanoTime());
                  if (n % 3 != 0) {
                    sleep(5);
                    continue;
                  }
                  // Every third write ignores the hold, as a router that has not seen it yet.
                  if (!appInsert(tenant, sku)) {
                    staleRefused.incrementAndGet();
                    continue;
                  }
                  acked.add(sku);
                  continue;
                }
                if (appInsert(tenant, sku)) {
                  acked.add(sku);
                }
              }
            });
    Thread reader =
        new Thread(
            () -> {
              while (!stop.get()) {
                boolean isHeld = operations.writesHeld(tenant);
                try {
                  appSkus(tenant);
                  if (isHeld && operations.writesHeld(tenant)) {
                    readsWhileHeld.incrementAndGet();
                  }
                } catch (RuntimeException e) {
                  // a session ended by the hold or the swap; the next read reconnects
                }
                sleep(5);
              }
            });
    writer.start();
    reader.start();
    sleep(300);
    MoveTenantWorkflow flow = startMove(tenant, SECOND, 600, null);
    awaitStep(flow, "grace_period");
    int ackedAtSwap = acked.size();
    sleep(300);
    stop.set(true);
    writer.join();
    reader.join();

    assertThat(registry.findById(tenant).orElseThrow().databaseServerId()).isEqualTo(SECOND);
    assertThat(held.get()).as("writes answered 503 during the window").isPositive();
    assertThat(readsWhileHeld.get()).as("reads answered during the window").isPositive();
    assertThat(acked.size()).as("writes went on after the swap").isGreaterThan(ackedAtSwap);
    List<String> onTarget = appSkus(tenant);
    assertThat(onTarget).containsAll(acked);
    assertThat(onTarget.stream().filter(s -> s.startsWith("bulk-")).count()).isEqualTo(20000);
    System.out.printf(
        "move under writes: %d acknowledged, %d held, %d stale refused by the fence, %d reads"
            + " while held; writes held for %d ms%n",
        acked.size(),
        held.get(),
        staleRefused.get(),
        readsWhileHeld.get(),
        (lastHeld.get() - firstHeld.get()) / 1_000_000);
    flow.retireNow();
    assertThat(WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, String.class))
        .isEqualTo("MOVED");
    assertThat(servers.tenantDatabases(FIRST, tenant)).isEmpty();
  }

  @Test
  @Order(3)
  void aFailureBeforeTheSwapLeavesTheTenantOnItsServerAndNothingOnTheTarget() throws Exception {
    UUID tenant = provisionOn(FIRST, "fault");
    insert(tenant, "f-1");
    Tenant before = registry.findById(tenant).orElseThrow();

    MoveTenantWorkflow flow = startMove(tenant, SECOND, 600, "copy_database:after");
    assertThatThrownBy(
            () -> WorkflowStub.fromTyped(flow).getResult(120, TimeUnit.SECONDS, String.class))
        .isInstanceOf(WorkflowFailedException.class);
    assertThat(flow.progress().outcome()).isEqualTo("FAILED");
    assertThat(flow.progress().error()).contains("injected fault");

    Tenant after = registry.findById(tenant).orElseThrow();
    assertThat(after.databaseServerId()).isEqualTo(FIRST);
    assertThat(after.databaseName()).isEqualTo(before.databaseName());
    assertThat(after.encryptedDatabaseUrl()).isEqualTo(before.encryptedDatabaseUrl());
    assertThat(operations.current(tenant)).isEmpty();
    assertThat(operations.writesHeld(tenant)).isFalse();
    assertThat(servers.tenantDatabases(SECOND, tenant)).isEmpty();
    assertThat(servers.tenantRoles(SECOND, tenant)).isEmpty();
    // The fence is lifted: the app role writes on the old server again.
    assertThat(appInsert(tenant, "f-2")).isTrue();
    assertThat(appSkus(tenant)).containsExactly("f-1", "f-2");
  }

  @Test
  @Order(4)
  void aSecondOperationOnTheTenantIsRefusedNamingTheFirst() throws Exception {
    UUID tenant = provisionOn(FIRST, "busy2");
    assertThat(operations.claim(tenant, "BACKING_UP", "backup:test")).isEmpty();
    MoveTenantWorkflow flow = startMove(tenant, SECOND, 600, null);
    assertThatThrownBy(
            () -> WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, String.class))
        .isInstanceOf(WorkflowFailedException.class);
    assertThat(flow.progress().error()).contains("BACKING_UP");
    assertThat(registry.findById(tenant).orElseThrow().databaseServerId()).isEqualTo(FIRST);
    assertThat(operations.current(tenant).orElseThrow().operation()).isEqualTo("BACKING_UP");
    operations.release(tenant, "backup:test");
  }

  @Test
  @Order(5)
  void aTargetThatIsTheSameClusterUnderAnotherNameIsRefusedAndNothingIsDropped() throws Exception {
    UUID tenant = provisionOn(FIRST, "alias");
    insert(tenant, "s-1");
    Tenant before = registry.findById(tenant).orElseThrow();
    // A second row for the first cluster, under another host name.
    new com.taskifai.registry.DatabaseServers(embedded.platform.platform())
        .upsert(
            embedded.cipher,
            "local-1-alias",
            "local",
            com.taskifai.registry.testing.TestPostgres.jdbcUrl("postgres")
                .replace("127.0.0.1", "localhost"),
            "postgres",
            com.taskifai.registry.testing.TestPostgres.superuserPassword(),
            500);
    try {
      MoveTenantWorkflow flow = startMove(tenant, "local-1-alias", 600, null);
      assertThatThrownBy(
              () -> WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, String.class))
          .isInstanceOf(WorkflowFailedException.class);
      assertThat(flow.progress().error()).contains("same PostgreSQL cluster");
    } finally {
      servers.state("local-1-alias", "CLOSED");
    }
    Tenant after = registry.findById(tenant).orElseThrow();
    assertThat(after.databaseServerId()).isEqualTo(FIRST);
    assertThat(after.encryptedDatabaseUrl()).isEqualTo(before.encryptedDatabaseUrl());
    assertThat(appSkus(tenant)).containsExactly("s-1");
    assertThat(operations.current(tenant)).isEmpty();
  }

  @Test
  @Order(6)
  void drainingAServerMovesItsTenantsOffAndClosesIt() throws Exception {
    UUID one = provisionOn(SECOND, "drain1");
    UUID two = provisionOn(SECOND, "drain2");
    insert(one, "d-1");
    insert(two, "d-2");
    assertThat(new ServerDrains(embedded.platform.platform()).markDraining(SECOND)).isTrue();

    DrainServerWorkflow drain =
        embedded.client.newWorkflowStub(
            DrainServerWorkflow.class, options(WorkflowIds.drain(SECOND), null));
    WorkflowClient.start(drain::drain, DrainServerWorkflow.DrainRequest.of(SECOND, 2, 1, "e2e"));
    assertThat(WorkflowStub.fromTyped(drain).getResult(180, TimeUnit.SECONDS, String.class))
        .isEqualTo("CLOSED");

    assertThat(servers.state(SECOND)).isEqualTo("CLOSED");
    assertThat(new ServerDrains(embedded.platform.platform()).placedTenants(SECOND)).isZero();
    for (UUID t : List.of(one, two)) {
      assertThat(registry.findById(t).orElseThrow().databaseServerId()).isEqualTo(FIRST);
    }
    assertThat(appSkus(one)).containsExactly("d-1");
    assertThat(appSkus(two)).containsExactly("d-2");
    // The children's one-second grace ends: nothing of them is left on the closed server.
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!(servers.tenantDatabases(SECOND, one).isEmpty()
        && servers.tenantDatabases(SECOND, two).isEmpty())) {
      assertThat(System.nanoTime()).isLessThan(deadline);
      sleep(200);
    }
    assertThat(drain.progress().moved()).isGreaterThanOrEqualTo(2);
    // Each move the drain started is in the tenant's audit trail under its workflow id.
    assertThat(
            JdbcClient.create(embedded.platform.owner())
                .sql(
                    "SELECT count(*) FROM audit_log WHERE tenant_id = :t AND action = 'move_tenant'"
                        + " AND detail ->> 'workflow_id' = :w AND detail ->> 'drain' = :d")
                .param("t", one)
                .param("w", WorkflowIds.move(one, FIRST))
                .param("d", WorkflowIds.drain(SECOND))
                .query(Long.class)
                .single())
        .isPositive();
    servers.state(SECOND, "OPEN");
  }

  @Test
  @Order(7)
  void aTenantRestoredAfterAMoveMovesBackOntoTheServerThatStillKeepsItsOldCopy() throws Exception {
    UUID tenant = provisionOn(FIRST, "back");
    insert(tenant, "b-1");
    // The old copy stays on FIRST for ten minutes.
    MoveTenantWorkflow away = startMove(tenant, SECOND, 600, null);
    awaitStep(away, "grace_period");
    // A replace-restore gives the live database a name of its own on SECOND.
    UUID backupId = UUID.randomUUID();
    embedded
        .client
        .newWorkflowStub(
            com.taskifai.workflows.backup.BackupTenantWorkflow.class,
            options(
                com.taskifai.workflows.backup.BackupTenantWorkflow.workflowId(tenant, backupId),
                null))
        .backup(
            new com.taskifai.workflows.backup.BackupTenantWorkflow.BackupRequest(
                tenant, backupId, "manual", "e2e"));
    com.taskifai.workflows.backup.RestoreTenantWorkflow restore =
        embedded.client.newWorkflowStub(
            com.taskifai.workflows.backup.RestoreTenantWorkflow.class,
            options(
                com.taskifai.workflows.backup.RestoreTenantWorkflow.workflowId(
                    tenant, backupId, "back"),
                null));
    WorkflowClient.start(
        restore::restore,
        new com.taskifai.workflows.backup.RestoreTenantWorkflow.RestoreRequest(
            tenant, backupId, "back", "replace", 120, "e2e"));
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (!"grace_period".equals(restore.progress().step())) {
      assertThat(System.nanoTime()).as("restore: " + restore.progress()).isLessThan(deadline);
      sleep(50);
    }
    String restored = registry.findById(tenant).orElseThrow().databaseName();
    assertThat(restored).isNotEqualTo("tenant_" + tenant.toString().replace("-", ""));

    MoveTenantWorkflow back = startMove(tenant, FIRST, 600, null);

    awaitStep(back, "grace_period");
    Tenant after = registry.findById(tenant).orElseThrow();
    assertThat(after.databaseServerId()).isEqualTo(FIRST);
    assertThat(after.databaseName()).isEqualTo(restored);
    assertThat(appSkus(tenant)).containsExactly("b-1");
    assertThat(appInsert(tenant, "b-2")).isTrue();
    assertThat(operations.current(tenant)).isEmpty();
    // The first move's old copy is retired; the live database and its roles stay.
    away.retireNow();
    assertThat(WorkflowStub.fromTyped(away).getResult(60, TimeUnit.SECONDS, String.class))
        .isEqualTo("MOVED");
    assertThat(appSkus(tenant)).containsExactly("b-1", "b-2");
    back.retireNow();
  }

  @Test
  @Order(8)
  void offboardingATenantInItsMovesGraceDropsTheOldCopyOnTheSourceToo() throws Exception {
    UUID tenant = provisionOn(FIRST, "gone");
    insert(tenant, "g-1");
    MoveTenantWorkflow flow = startMove(tenant, SECOND, 600, null);
    awaitStep(flow, "grace_period");
    assertThat(servers.tenantDatabases(FIRST, tenant)).isNotEmpty();

    String result =
        embedded
            .client
            .newWorkflowStub(
                com.taskifai.workflows.lifecycle.OffboardTenantWorkflow.class,
                options(
                    com.taskifai.workflows.lifecycle.OffboardTenantWorkflow.workflowId(tenant),
                    null))
            .offboard(
                new com.taskifai.workflows.lifecycle.TenantOperation(
                    tenant, registry.findById(tenant).orElseThrow().subdomain(), "e2e"));

    assertThat(result).isEqualTo("DELETED");
    assertThat(servers.tenantDatabases(SECOND, tenant)).isEmpty();
    assertThat(servers.tenantDatabases(FIRST, tenant)).isEmpty();
    assertThat(servers.tenantRoles(FIRST, tenant)).isEmpty();
    flow.retireNow();
    assertThat(WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, String.class))
        .isEqualTo("MOVED");
  }

  @Test
  @Order(9)
  void anOnlineMoveUnderWritesKeepsEveryAcknowledgedWriteAndSequencesContinueAboveTheCopiedIds()
      throws Exception {
    UUID tenant = provisionOn(SECOND, "live");
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
    MoveTenantWorkflow flow = startMove(tenant, FIRST, 600, null);
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
  @Order(10)
  void aFailedOnlineMoveLeavesNoSlotPublicationSubscriptionRoleOrTargetDatabase() throws Exception {
    UUID tenant = provisionOn(SECOND, "undo");
    Tenant before = registry.findById(tenant).orElseThrow();
    assertThat(appInsert(tenant, "u-1")).isTrue();

    MoveTenantWorkflow flow = startMove(tenant, FIRST, 600, "set_sequences:after");
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
    assertThat(appInsert(tenant, "u-2")).isTrue();
  }

  @Test
  @Order(11)
  void theReconcilerListsAndRemovesAnOnlineMovesLeftoversOnlyWhenNoMoveOfTheTenantRuns()
      throws Exception {
    UUID tenant = provisionOn(SECOND, "left");
    String database = registry.findById(tenant).orElseThrow().databaseName();
    String name = "taskifai_move_" + tenant.toString().replace("-", "");
    JdbcClient admin = JdbcClient.create(servers.superuser(SECOND, "postgres"));
    admin.sql("CREATE ROLE " + name + " LOGIN REPLICATION").update();
    admin.sql("GRANT CONNECT ON DATABASE " + database + " TO " + name).update();
    JdbcClient inside = JdbcClient.create(servers.superuser(SECOND, database));
    inside.sql("CREATE PUBLICATION " + name + " FOR ALL TABLES").update();
    inside
        .sql("SELECT slot_name FROM pg_create_logical_replication_slot(:n, 'pgoutput')")
        .param("n", name)
        .query(String.class)
        .single();

    // A running move owns them.
    assertThat(operations.claim(tenant, "MOVING", "move:e2e")).isEmpty();
    assertThat(activities.fleet().scanFleet().orphans())
        .noneMatch(o -> o.kind().equals(Orphan.MOVE_REPLICATION) && o.name().equals(name));
    operations.release(tenant, "move:e2e");

    Orphan left =
        activities.fleet().scanFleet().orphans().stream()
            .filter(o -> o.kind().equals(Orphan.MOVE_REPLICATION) && o.name().equals(name))
            .findFirst()
            .orElseThrow();
    assertThat(left.serverId()).isEqualTo(SECOND);
    assertThat(left.reason())
        .contains("replication slot in " + database + " holding")
        .contains("publication in " + database)
        .contains("role")
        .contains("runs no move");
    assertThat(
            activities
                .fleet()
                .removeOrphan(new OrphanRemoval(Orphan.MOVE_REPLICATION, name, SECOND, "e2e"))
                .removed())
        .isTrue();
    assertNothingLeft(tenant, database);
    assertThat(appInsert(tenant, "still-writable")).isTrue();
  }

  /**
   * A trial on the logical server is promoted online while it and another trial of the same shared
   * database write: every write the trial had acknowledged is in its new database, the other
   * trial's writes are all answered throughout and none of its rows is in that database, and no
   * replication is left.
   */
  @Test
  @Order(12)
  void aTrialPromotedOnlineUnderWritesKeepsEveryAcknowledgedWriteAndTheOtherTrialNeverWaits()
      throws Exception {
    UUID promoted = trialOn(SECOND, "ponl");
    UUID other = trialOn(SECOND, "poth");
    spareTrial = other;
    JdbcClient.create(servers.superuser(SECOND, TrialSchema.DATABASE))
        .sql(
            "INSERT INTO products (tenant_id, sku, name) SELECT :t::uuid, 'bulk-' || g, 'x'"
                + " FROM generate_series(1, 2000) g")
        .param("t", promoted.toString())
        .update();
    Set<String> acked = ConcurrentHashMap.newKeySet();
    List<String> otherAcked = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<String> otherRefused = new java.util.concurrent.CopyOnWriteArrayList<>();
    AtomicLong longestOtherWrite = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    Thread writer =
        new Thread(
            () -> {
              for (int n = 0; !stop.get(); n++) {
                if (trialWrite(promoted, "w-" + n)) {
                  acked.add("w-" + n);
                } else {
                  sleep(5); // held: a router answers 503 + Retry-After
                }
              }
            });
    Thread otherWriter =
        new Thread(
            () -> {
              for (int n = 0; !stop.get(); n++) {
                long began = System.nanoTime();
                (trialWrite(other, "o-" + n) ? otherAcked : otherRefused).add("o-" + n);
                // Updates and deletes too: a row filter on a column outside the replica identity
                // would fail them on every trial's table while the publication exists.
                String change =
                    n % 2 == 0
                        ? "UPDATE products SET name = 'changed' WHERE sku = 'o-" + n + "'"
                        : "DELETE FROM products WHERE sku = 'o-" + (n - 1) + "'";
                if (!trialChange(other, change)) {
                  otherRefused.add(change);
                }
                longestOtherWrite.accumulateAndGet(System.nanoTime() - began, Math::max);
                sleep(5);
              }
            });
    writer.start();
    otherWriter.start();
    sleep(300);
    PromotionProgress result = promoteTrial(promoted, null);
    int ackedAtEnd = acked.size();
    sleep(300);
    stop.set(true);
    writer.join();
    otherWriter.join();

    assertThat(result.status()).as(result.toString()).isEqualTo("PROMOTED");
    assertThat(result.copyMode()).isEqualTo("online");
    assertThat(result.steps())
        .extracting(s -> s.name())
        .containsExactlyElementsOf(PromoteTenantWorkflow.ONLINE_STEPS);
    assertThat(result.steps()).allSatisfy(s -> assertThat(s.state().name()).isEqualTo("DONE"));
    Tenant after = registry.findById(promoted).orElseThrow();
    assertThat(after.isTrial()).isFalse();
    assertThat(acked.size()).as("writes went on after the promotion").isGreaterThan(ackedAtEnd);
    DataSource dedicated = servers.superuser(SECOND, after.databaseName());
    List<String> skus =
        JdbcClient.create(dedicated).sql("SELECT sku FROM products").query(String.class).list();
    assertThat(skus).containsAll(acked).noneMatch(sku -> sku.startsWith("o-"));
    assertThat(
            JdbcClient.create(dedicated)
                .sql("SELECT count(*) FROM products WHERE name = 'changed'")
                .query(Long.class)
                .single())
        .as("the other trial's updated rows in the new database")
        .isZero();
    assertThat(skus.stream().filter(sku -> sku.startsWith("bulk-"))).hasSize(2000);
    assertThat(
            JdbcClient.create(dedicated)
                .sql(
                    "SELECT count(*) FROM information_schema.columns"
                        + " WHERE table_schema = 'public' AND column_name = 'tenant_id'")
                .query(Long.class)
                .single())
        .as("landing columns left in the new database")
        .isZero();
    // The tenant tables are keyed by uuid: set_sequences has nothing to set yet; the new database
    // takes the tenant's next write.
    assertThat(trialWrite(promoted, "after-promotion")).isTrue();
    assertThat(
            JdbcClient.create(dedicated)
                .sql("SELECT count(*) FROM products WHERE sku = 'after-promotion'")
                .query(Long.class)
                .single())
        .isEqualTo(1L);
    assertThat(otherRefused).as("the other trial's refused writes").isEmpty();
    assertThat(otherAcked).hasSizeGreaterThan(10);
    System.out.printf(
        "online promotion: %d writes acknowledged; the other trial's slowest write %d ms; steps %s%n",
        acked.size(),
        TimeUnit.NANOSECONDS.toMillis(longestOtherWrite.get()),
        result.steps().stream()
            .map(
                step ->
                    step.name()
                        + " "
                        + Duration.between(step.startedAt(), step.finishedAt()).toMillis()
                        + " ms")
            .toList());
    assertNothingLeft(promoted, TrialSchema.DATABASE);
    assertThat(publications(SECOND, TrialSchema.DATABASE)).isEmpty();
  }

  @Test
  @Order(13)
  void aPromotionThatFailsBeforeTheSwapLeavesNoReplicationAndTheTrialServing() throws Exception {
    UUID trial = spareTrial != null ? spareTrial : trialOn(SECOND, "pfail");
    assertThat(trialWrite(trial, "before")).isTrue();

    PromotionProgress result = promoteTrial(trial, "set_trial_sequences:after");

    assertThat(result.status()).as(result.toString()).isEqualTo("FAILED");
    assertThat(result.copyMode()).isEqualTo("online");
    assertThat(result.failedStep()).isEqualTo("set_sequences");
    Tenant after = registry.findById(trial).orElseThrow();
    assertThat(after.isTrial()).isTrue();
    assertThat(after.databaseName()).isEqualTo(TrialSchema.DATABASE);
    assertThat(operations.current(trial)).isEmpty();
    assertThat(operations.writesHeld(trial)).isFalse();
    assertThat(servers.tenantDatabases(SECOND, trial)).isEmpty();
    assertNothingLeft(trial, TrialSchema.DATABASE);
    assertThat(publications(SECOND, TrialSchema.DATABASE)).isEmpty();
    assertThat(trialWrite(trial, "after")).as("the trial writes again").isTrue();
  }

  @Test
  @Order(14)
  void backupsAndMovesOffThe17ServerAreRefusedAtOnceNamingTheClientToInstall() throws Exception {
    assertThat(onSeventeen).as("the tenant the drain moved onto 17").isNotNull();
    String refusal = "pg_dump 15 cannot dump a PostgreSQL 17 server (" + THIRD + ")";

    UUID backupId = UUID.randomUUID();
    var backup =
        embedded.client.newWorkflowStub(
            com.taskifai.workflows.backup.BackupTenantWorkflow.class,
            options(
                com.taskifai.workflows.backup.BackupTenantWorkflow.workflowId(
                    onSeventeen, backupId),
                null));
    assertThatThrownBy(
            () ->
                backup.backup(
                    new com.taskifai.workflows.backup.BackupTenantWorkflow.BackupRequest(
                        onSeventeen, backupId, "manual", "e2e")))
        .isInstanceOf(WorkflowFailedException.class)
        .satisfies(
            e ->
                assertThat(messages(e))
                    .contains("backups disabled for server " + THIRD)
                    .contains(refusal)
                    .contains("install postgresql-client-17")
                    .contains("TASKIFAI_PG_BIN"));

    MoveTenantWorkflow back = startMove(onSeventeen, FIRST, 600, null);
    assertThatThrownBy(
            () -> WorkflowStub.fromTyped(back).getResult(60, TimeUnit.SECONDS, String.class))
        .isInstanceOf(WorkflowFailedException.class);
    assertThat(back.progress().error()).contains(refusal);
    assertThat(back.progress().steps())
        .filteredOn(s -> s.name().equals("check_move"))
        .extracting(s -> s.state().name())
        .containsExactly("FAILED");
    assertThat(registry.findById(onSeventeen).orElseThrow().databaseServerId()).isEqualTo(THIRD);
    assertThat(servers.tenantDatabases(FIRST, onSeventeen)).isEmpty();
    assertThat(operations.current(onSeventeen)).isEmpty();
    assertThat(appInsert(onSeventeen, "still-on-17")).isTrue();
  }

  @Test
  @Order(15)
  void cancellingAnOnlineMoveDuringCatchUpDropsReplicationAndTargetAndReleasesTheTenant()
      throws Exception {
    UUID tenant = provisionOn(SECOND, "cancel");
    Tenant before = registry.findById(tenant).orElseThrow();
    String database = before.databaseName();
    String name = "taskifai_move_" + tenant.toString().replace("-", "");
    createReadings(tenant, servers.superuser(SECOND, database));
    Writer writer = Writer.start(tenant);
    MoveTenantWorkflow flow = startMove(tenant, FIRST, 600, "catch_up:stall");
    awaitStep(flow, "catch_up");
    // The replication runs: the cancel has something to undo.
    assertThat(
            JdbcClient.create(servers.superuser(FIRST, "postgres"))
                .sql("SELECT count(*) FROM pg_subscription WHERE subname = :n")
                .param("n", name)
                .query(Long.class)
                .single())
        .isEqualTo(1L);

    long cancelled = System.nanoTime();
    WorkflowStub.fromTyped(flow).cancel();
    assertThatThrownBy(
            () -> WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, String.class))
        .isInstanceOf(WorkflowFailedException.class);
    System.out.printf(
        "online move cancelled during catch_up: rolled back in %d ms%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cancelled));
    int ackedAtCancel = writer.acked.size();
    sleep(300);
    writer.stop();

    assertThat(flow.progress().outcome()).isEqualTo("FAILED");
    assertThat(flow.progress().error()).contains("cancelled");
    assertThat(flow.progress().steps())
        .filteredOn(
            s -> s.name().equals("start_replication") || s.name().equals("prepare_move_target"))
        .extracting(s -> s.state().name())
        .containsExactly("COMPENSATED", "COMPENSATED");
    Tenant after = registry.findById(tenant).orElseThrow();
    assertThat(after.databaseServerId()).isEqualTo(SECOND);
    assertThat(after.encryptedDatabaseUrl()).isEqualTo(before.encryptedDatabaseUrl());
    assertThat(operations.current(tenant)).as("the operation claim").isEmpty();
    assertThat(operations.writesHeld(tenant)).isFalse();
    assertThat(servers.tenantDatabases(FIRST, tenant)).as("target database").isEmpty();
    assertThat(servers.tenantRoles(FIRST, tenant)).as("roles on the target").isEmpty();
    assertNothingLeft(tenant, database);
    assertThat(writer.acked.size())
        .as("writes went on after the cancel")
        .isGreaterThan(ackedAtCancel);
    assertThat(
            JdbcClient.create(servers.superuser(SECOND, database))
                .sql("SELECT sku FROM readings")
                .query(String.class)
                .list())
        .containsAll(writer.acked.keySet());
  }

  /**
   * A subscription that keeps failing: a row on the target that conflicts with one the source holds
   * (same primary key) makes the target's replication worker fail again and again while the slot's
   * lag stays small. The move's progress says so (phase {@code replication_failing}, the error), no
   * write is held for it, and after the bound the move fails and undoes itself: no subscription,
   * slot, publication, role or target database left, the tenant writing on its source.
   */
  @Test
  @Order(16)
  void aSubscriptionThatKeepsFailingShowsItsErrorAndTheMoveFailsCleanlyAfterTheBound()
      throws Exception {
    UUID tenant = provisionOn(SECOND, "subfail");
    Tenant before = registry.findById(tenant).orElseThrow();
    createReadings(tenant, servers.superuser(SECOND, before.databaseName()));
    assertThat(appWrite(tenant, "r-1")).isNotNull();

    MoveTenantWorkflow flow = startMove(tenant, FIRST, 600, null);
    // The target has the schema; the conflicting rows go in before the copy and the stream.
    awaitStep(flow, "start_replication");
    JdbcClient.create(servers.superuser(FIRST, before.databaseName()))
        .sql("INSERT INTO readings (id, sku) VALUES (900000, 'on-the-target')")
        .update();
    JdbcClient.create(servers.superuser(SECOND, before.databaseName()))
        .sql("INSERT INTO readings (id, sku) VALUES (900000, 'on-the-source')")
        .update();

    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    MoveTenantWorkflow.MoveProgress failing = flow.progress();
    while (failing.replicationError() == null && "RUNNING".equals(failing.outcome())) {
      assertThat(System.nanoTime())
          .as("the replication error in the progress")
          .isLessThan(deadline);
      sleep(200);
      failing = flow.progress();
    }
    assertThat(failing.replicationError())
        .as(failing.toString())
        .contains("the subscription taskifai_move_")
        .contains("on server " + FIRST);
    assertThat(failing.phase()).isEqualTo("replication_failing");
    assertThat(failing.step()).isEqualTo("catch_up");
    assertThat(operations.writesHeld(tenant)).as("writes held for a failing copy").isFalse();
    System.out.println("replication error in the move's progress: " + failing.replicationError());

    assertThatThrownBy(
            () -> WorkflowStub.fromTyped(flow).getResult(180, TimeUnit.SECONDS, String.class))
        .isInstanceOf(WorkflowFailedException.class);
    MoveTenantWorkflow.MoveProgress after = flow.progress();
    assertThat(after.outcome()).isEqualTo("FAILED");
    assertThat(after.step()).isEqualTo("catch_up");
    assertThat(after.error()).contains("kept failing for 30 s");
    assertThat(after.steps())
        .filteredOn(s -> s.name().equals("start_replication"))
        .extracting(s -> s.state().name())
        .containsExactly("COMPENSATED");
    assertThat(registry.findById(tenant).orElseThrow().databaseServerId()).isEqualTo(SECOND);
    assertThat(servers.tenantDatabases(FIRST, tenant)).isEmpty();
    assertThat(operations.current(tenant)).isEmpty();
    assertThat(operations.writesHeld(tenant)).isFalse();
    assertNothingLeft(tenant, before.databaseName());
    assertThat(appWrite(tenant, "r-after")).as("the tenant writes on its source").isNotNull();
  }

  /**
   * What a promotion left in the shared trial database (its publication and slot, the role gone
   * already) is listed by the reconciler as the move's are, while no operation owns it, and removed
   * with only that promotion's objects: a running promotion's publication and slot beside it stay.
   */
  @Test
  @Order(17)
  void theReconcilerListsAndRemovesAPromotionsLeftoversInTheSharedTrialDatabase() throws Exception {
    UUID left = trialOn(SECOND, "pleft");
    UUID running = trialOn(SECOND, "prun");
    String leftName = "taskifai_move_" + left.toString().replace("-", "");
    String runningName = "taskifai_move_" + running.toString().replace("-", "");
    JdbcClient shared = JdbcClient.create(servers.superuser(SECOND, TrialSchema.DATABASE));
    for (String[] p :
        List.of(
            new String[] {leftName, left.toString()},
            new String[] {runningName, running.toString()})) {
      shared
          .sql(
              "CREATE PUBLICATION "
                  + p[0]
                  + " FOR TABLE products WHERE (tenant_id = '"
                  + p[1]
                  + "'::uuid)")
          .update();
      shared
          .sql("SELECT slot_name FROM pg_create_logical_replication_slot(:n, 'pgoutput')")
          .param("n", p[0])
          .query(String.class)
          .single();
    }
    assertThat(operations.claim(running, "PROMOTING", "promote:e2e")).isEmpty();
    try {
      List<Orphan> orphans = activities.fleet().scanFleet().orphans();
      assertThat(orphans)
          .noneMatch(o -> o.kind().equals(Orphan.MOVE_REPLICATION) && o.name().equals(runningName));
      Orphan orphan =
          orphans.stream()
              .filter(o -> o.kind().equals(Orphan.MOVE_REPLICATION) && o.name().equals(leftName))
              .findFirst()
              .orElseThrow();
      assertThat(orphan.serverId()).isEqualTo(SECOND);
      assertThat(orphan.reason())
          .contains("replication slot in " + TrialSchema.DATABASE + " holding")
          .contains("publication in " + TrialSchema.DATABASE)
          .contains("runs no move or promotion");
      assertThat(
              activities
                  .fleet()
                  .removeOrphan(new OrphanRemoval(Orphan.MOVE_REPLICATION, leftName, SECOND, "e2e"))
                  .removed())
          .isTrue();
      assertThat(publications(SECOND, TrialSchema.DATABASE))
          .contains(runningName)
          .doesNotContain(leftName);
      JdbcClient admin = JdbcClient.create(servers.superuser(SECOND, "postgres"));
      assertThat(
              admin
                  .sql("SELECT slot_name FROM pg_replication_slots WHERE slot_name IN (:a, :b)")
                  .param("a", leftName)
                  .param("b", runningName)
                  .query(String.class)
                  .list())
          .containsExactly(runningName);
      assertThat(trialWrite(left, "after-removal")).as("the trial writes on").isTrue();
    } finally {
      operations.release(running, "promote:e2e");
      shared.sql("DROP PUBLICATION IF EXISTS " + runningName).update();
      JdbcClient.create(servers.superuser(SECOND, "postgres"))
          .sql(
              "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                  + " WHERE slot_name = :n")
          .param("n", runningName)
          .query(Object.class)
          .list();
    }
  }

  // ---- helpers ----

  private static List<String> publications(String serverId, String database) {
    return JdbcClient.create(servers.superuser(serverId, database))
        .sql("SELECT pubname FROM pg_publication")
        .query(String.class)
        .list();
  }

  /** A trial provisioned onto {@code serverId} (the other server closed meanwhile), ACTIVE. */
  private static UUID trialOn(String serverId, String prefix) throws Exception {
    String other = serverId.equals(FIRST) ? SECOND : FIRST;
    String was = servers.state(other);
    servers.state(other, "CLOSED");
    try {
      UUID tenant = UUID.randomUUID();
      ProvisionTenantWorkflow flow =
          embedded.startTrialProvisioning(
              tenant, prefix + "-" + tenant.toString().substring(0, 8), null);
      flow.emailVerified(new EmailVerified("e2e"));
      assertThat(
              WorkflowStub.fromTyped(flow)
                  .getResult(90, TimeUnit.SECONDS, ProvisioningResult.class)
                  .status())
          .isEqualTo(WorkflowStatus.ACTIVE);
      Tenant t = registry.findById(tenant).orElseThrow();
      assertThat(t.isTrial()).isTrue();
      assertThat(t.databaseServerId()).isEqualTo(serverId);
      return tenant;
    } finally {
      servers.state(other, was);
    }
  }

  private static PromotionProgress promoteTrial(UUID tenant, String fault) {
    return embedded
        .client
        .newWorkflowStub(
            PromoteTenantWorkflow.class,
            options(PromoteTenantWorkflow.workflowId(tenant) + "-" + UUID.randomUUID(), fault))
        .promote(new PromoteTenantRequest(tenant, "e2e", "e2e-test"));
  }

  /** One statement in a trial transaction as a router runs it; true once committed. */
  private static boolean trialChange(UUID tenant, String sql) {
    try (Connection c = asAdmin(app(tenant))) {
      TrialSchema.beginTenantTransaction(c, tenant);
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.executeUpdate();
      }
      c.commit();
      return true;
    } catch (SQLException | RuntimeException e) {
      return false;
    }
  }

  /**
   * One product written as a router writes it (the registry's write hold answers 503; a trial's
   * transaction takes its fence); true once committed.
   */
  private static boolean trialWrite(UUID tenant, String sku) {
    try {
      if (operations.writesHeld(tenant)) {
        return false;
      }
      Tenant t = registry.findById(tenant).orElseThrow();
      try (Connection c = asAdmin(app(tenant))) {
        if (t.isTrial()) {
          TrialSchema.beginTenantTransaction(c, tenant);
        }
        try (PreparedStatement ps =
            c.prepareStatement("INSERT INTO products (sku, name) VALUES (?, ?)")) {
          ps.setString(1, sku);
          ps.setString(2, sku);
          boolean one = ps.executeUpdate() == 1;
          c.commit();
          return one;
        }
      }
    } catch (SQLException | RuntimeException e) {
      return false;
    }
  }

  /** A client writing readings as the app role in a loop until stopped. */
  private static final class Writer {
    final Map<String, Long> acked = new ConcurrentHashMap<>();
    final AtomicInteger refused = new AtomicInteger();
    private final AtomicLong lastAck = new AtomicLong(System.nanoTime());
    private final AtomicLong longestGap = new AtomicLong();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private Thread thread;

    static Writer start(UUID tenant) {
      Writer w = new Writer();
      w.thread =
          new Thread(
              () -> {
                for (int n = 0; !w.stopped.get(); n++) {
                  String sku = "w-" + n;
                  Long id = appWrite(tenant, sku);
                  if (id == null) {
                    w.refused.incrementAndGet();
                    sleep(5);
                    continue;
                  }
                  w.acked.put(sku, id);
                  long now = System.nanoTime();
                  w.longestGap.accumulateAndGet(now - w.lastAck.getAndSet(now), Math::max);
                }
              });
      w.thread.start();
      return w;
    }

    void stop() throws InterruptedException {
      stopped.set(true);
      thread.join();
    }

    long longestGapMillis() {
      return TimeUnit.NANOSECONDS.toMillis(longestGap.get());
    }
  }

  /** A table with a sequence, owned by the tenant's owner (as a migration would make it). */
  private static void createReadings(UUID tenant, DataSource superuser) {
    JdbcClient.create(superuser)
        .sql(
            "SET ROLE "
                + owner(tenant)
                + "; CREATE TABLE readings (id bigserial PRIMARY KEY, sku text NOT NULL);"
                + " RESET ROLE")
        .update();
  }

  private static int majorVersion(DataSource ds) {
    return JdbcClient.create(ds).sql("SHOW server_version_num").query(Integer.class).single()
        / 10000;
  }

  /** Every message in a failure's cause chain, one per line. */
  private static String messages(Throwable t) {
    StringBuilder out = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      out.append(c.getMessage()).append('\n');
    }
    return out.toString();
  }

  /** No slot, subscription or role of the move on the 17 server or on the second one. */
  private static void assertNoReplicationOf(
      UUID tenant, String database, SecondServer other, String otherId) {
    assertNothingLeft(tenant, database);
    String name = "taskifai_move_" + tenant.toString().replace("-", "");
    assertThat(
            JdbcClient.create(other.superuser(otherId, "postgres"))
                .sql(
                    "SELECT (SELECT count(*) FROM pg_replication_slots WHERE slot_name = :n)"
                        + " + (SELECT count(*) FROM pg_subscription WHERE subname = :n)"
                        + " + (SELECT count(*) FROM pg_roles WHERE rolname = :n)")
                .param("n", name)
                .query(Long.class)
                .single())
        .as("slots, subscriptions and roles of the move on " + otherId)
        .isZero();
    assertThat(
            JdbcClient.create(other.superuser(otherId, database))
                .sql("SELECT count(*) FROM pg_publication")
                .query(Long.class)
                .single())
        .as("publications in " + database + " on " + otherId)
        .isZero();
  }

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

  private static String owner(UUID tenant) {
    return "t_" + tenant.toString().replace("-", "") + "_owner";
  }

  /** One write as the app role (a reading with a sequence id); its id once committed, else null. */
  private static Long appWrite(UUID tenant, String sku) {
    try (Connection c = asAdmin(app(tenant));
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

  /** Provisions a tenant onto {@code serverId}: the other server is closed meanwhile. */
  private static UUID provisionOn(String serverId, String prefix) throws Exception {
    String other = serverId.equals(FIRST) ? SECOND : FIRST;
    String was = servers.state(other);
    servers.state(other, "CLOSED");
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
      assertThat(registry.findById(tenant).orElseThrow().databaseServerId()).isEqualTo(serverId);
      return tenant;
    } finally {
      servers.state(other, was);
    }
  }

  private static MoveTenantWorkflow startMove(
      UUID tenant, String target, long graceSeconds, String fault) {
    MoveTenantWorkflow flow =
        embedded.client.newWorkflowStub(
            MoveTenantWorkflow.class, options(WorkflowIds.move(tenant, target), fault));
    WorkflowClient.start(
        flow::move, new MoveTenantWorkflow.MoveRequest(tenant, target, graceSeconds, "e2e", null));
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

  static WorkflowOptions options(String id, String fault) {
    return WorkflowOptions.newBuilder()
        .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
        .setWorkflowId(id)
        .setMemo(FaultInjection.memo(fault))
        .setWorkflowExecutionTimeout(Duration.ofMinutes(5))
        .build();
  }

  private static void insert(UUID tenant, String... skus) {
    Tenant t = registry.findById(tenant).orElseThrow();
    for (String sku : skus) {
      JdbcClient.create(servers.superuser(t.databaseServerId(), t.databaseName()))
          .sql("INSERT INTO products (sku, name) VALUES (:s, :s)")
          .param("s", sku)
          .update();
    }
  }

  /** A connection as the tenant's app role, where the registry points now (as a router opens). */
  private static Connection app(UUID tenant) throws SQLException {
    TenantCredentials c =
        TenantCredentials.decrypt(embedded.cipher, registry.findById(tenant).orElseThrow());
    return DriverManager.getConnection(c.jdbcUrl(), c.username(), c.password());
  }

  /** A transaction as a tenant admin would have it from the router (row level security). */
  private static Connection asAdmin(Connection c) throws SQLException {
    c.setAutoCommit(false);
    try (PreparedStatement ps =
        c.prepareStatement("SELECT set_config('app.user_role', 'admin', true)")) {
      ps.execute();
    }
    return c;
  }

  /** Inserts as the app role; true when the database acknowledged the commit. */
  private static boolean appInsert(UUID tenant, String sku) {
    try (Connection c = asAdmin(app(tenant));
        PreparedStatement ps =
            c.prepareStatement("INSERT INTO products (sku, name) VALUES (?, ?)")) {
      ps.setString(1, sku);
      ps.setString(2, sku);
      boolean one = ps.executeUpdate() == 1;
      c.commit();
      return one;
    } catch (SQLException e) {
      return false;
    }
  }

  private static List<String> appSkus(UUID tenant) {
    try (Connection c = asAdmin(app(tenant));
        PreparedStatement ps = c.prepareStatement("SELECT sku FROM products ORDER BY sku");
        ResultSet rs = ps.executeQuery()) {
      List<String> out = new java.util.ArrayList<>();
      while (rs.next()) {
        out.add(rs.getString(1));
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
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
