package com.taskifai.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.activities.ActivitiesConfig;
import com.taskifai.activities.PlatformActivities;
import com.taskifai.activities.database.TenantDatabaseNames;
import com.taskifai.registry.FleetMigrations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.workflows.migration.EnableExtensionWorkflow;
import com.taskifai.workflows.migration.MigrateFleetWorkflow;
import com.taskifai.workflows.migration.MigrationProgress;
import com.taskifai.workflows.migration.MigrationRequest;
import com.taskifai.workflows.migration.TenantExtensionInput;
import com.taskifai.workflows.ports.ReserveTenantInput;
import com.taskifai.workflows.ports.StepInput;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Fleet schema rollouts for real: 20 tenant databases on the embedded PostgreSQL, the worker and
 * the Temporal test server, and two test-only tenant migrations ({@code V900}, {@code V901} under
 * {@code db/tenant-fleet-test}) that the product never ships. The tests build on each other in
 * order: a rollout with one conflicting tenant and its re-run, a failing canary, pause, resume and
 * abort, and a worker killed with SIGKILL in the middle of a rollout.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetMigrationEndToEndTest {
  private static final List<String> LOCATIONS =
      List.of("classpath:db/tenant", "classpath:db/tenant-fleet-test");
  private static final int TENANTS = 20;

  private static EmbeddedPlatform embedded;
  private static TenantRegistry registry;
  private static FleetMigrations fleet;
  private static final List<UUID> tenants = new ArrayList<>();
  private static UUID failedTenant;

  @BeforeAll
  static void twentyTenantsAtTheProductSchema() {
    embedded = new EmbeddedPlatform();
    registry = new TenantRegistry(embedded.platform.platform());
    fleet = registry.fleetMigrations();
    // A template another test class left at a test version would give the new tenants V900.
    dropTemplate();
    try (PlatformActivities product =
        PlatformActivities.create(
            embedded.platform.platform(),
            embedded.cipher,
            ActivitiesConfig.fromEnvironment(embedded.env))) {
      for (int i = 0; i < TENANTS; i++) {
        tenants.add(newTenant(product, "fleet"));
      }
      failedTenant = newTenant(product, "failed");
    }
    registry.setStatus(failedTenant, TenantStatus.FAILED);
    tenants.sort(null); // the rollout's order
    // One SUSPENDED tenant is migrated as well; one FAILED is left alone.
    registry.setStatus(tenants.get(5), TenantStatus.SUSPENDED);
  }

  @AfterAll
  static void stopEverything() {
    dropTemplate();
    if (embedded != null) {
      embedded.close();
    }
  }

  @Test
  @Order(1)
  void provisioningRecordsTheVersionAndARolloutBringsEveryTenantThereButTheConflictingOne()
      throws Exception {
    for (UUID t : tenants) {
      assertThat(fleet.schemaVersion(t)).contains("1");
    }
    UUID conflicting = tenants.get(TENANTS - 1); // last in id order: never a canary
    TestPostgres.execute(
        tenantDb(conflicting), "CREATE TABLE fleet_test_notes (made_by_hand integer)");

    try (PlatformActivities activities = fleetActivities();
        PlatformWorker worker = embedded.worker(activities)) {
      worker.start();
      MigrationProgress result =
          await(start("first", request("first", "900", List.of(), 2, 4, 3, 0.5)));

      assertThat(result.state()).isEqualTo("COMPLETED");
      assertThat(result.done()).isEqualTo(TENANTS - 1);
      assertThat(result.failed()).isEqualTo(1);
      assertThat(fleet.counts("first"))
          .containsEntry("DONE", (long) TENANTS - 1)
          .containsEntry("FAILED", 1L)
          .containsEntry("RUNNING", 0L);
      List<FleetMigrations.TenantResult> failures = fleet.tenants("first", "FAILED", 10);
      assertThat(failures)
          .singleElement()
          .satisfies(
              f -> {
                assertThat(f.tenantId()).isEqualTo(conflicting);
                assertThat(f.error()).contains("fleet_test_notes").contains("already exists");
              });
      assertThat(fleet.find("first").orElseThrow().reason()).isEqualTo("1 tenants failed");
      assertThat(fleet.tenants("first", "DONE", 100).stream().filter(r -> r.canary())).hasSize(2);
      for (UUID t : tenants) {
        String expected = t.equals(conflicting) ? "1" : "900";
        assertThat(fleet.schemaVersion(t)).as("registry of %s", t).contains(expected);
        assertThat(historyVersion(t)).as("flyway history of %s", t).isEqualTo(expected);
      }
      assertThat(historyVersion(failedTenant)).as("a FAILED tenant is left alone").isEqualTo("1");
      assertThat(fleet.tenants("first", null, 100))
          .extracting(FleetMigrations.TenantResult::tenantId)
          .doesNotContain(failedTenant);
      // The new table got the same protection as the product's tables.
      UUID migrated = tenants.get(0);
      String appRole = TenantDatabaseNames.of(migrated).appRole();
      assertThat(TenantSchema.protectionGaps(tenantDb(migrated), appRole)).isEmpty();
      assertThat(
              EmbeddedPlatform.count(
                  tenantDb(migrated),
                  "SELECT count(*) FROM pg_class WHERE relname = 'fleet_test_notes'"
                      + " AND relrowsecurity AND relforcerowsecurity"))
          .isEqualTo(1);
      assertThat(
              EmbeddedPlatform.count(
                  TestPostgres.superuser("tenant_template"),
                  "SELECT count(*) FROM flyway_schema_history WHERE version = '901'"))
          .as("templates go first, to the newest shipped")
          .isEqualTo(1);

      // The conflict removed, a re-run touches only what is left.
      TestPostgres.execute(tenantDb(conflicting), "DROP TABLE fleet_test_notes");
      MigrationProgress rerun =
          await(start("rerun", request("rerun", "900", List.of(), 0, 4, 3, 0.5)));
      assertThat(rerun.state()).isEqualTo("COMPLETED");
      assertThat(rerun.done()).isEqualTo(1);
      assertThat(fleet.tenants("rerun", null, 100))
          .extracting(FleetMigrations.TenantResult::tenantId)
          .containsExactly(conflicting);
      assertThat(fleet.schemaVersion(conflicting)).contains("900");
      assertThat(historyVersion(conflicting)).isEqualTo("900");
    }
  }

  @Test
  @Order(2)
  void aFailingCanaryStopsTheRolloutBeforeTheFleet() throws Exception {
    UUID canary = tenants.get(3);
    TestPostgres.execute(tenantDb(canary), "ALTER TABLE fleet_test_notes ADD COLUMN author text");
    try (PlatformActivities activities = fleetActivities();
        PlatformWorker worker = embedded.worker(activities)) {
      worker.start();
      MigrationProgress result =
          await(start("canary", request("canary", "901", List.of(canary), 0, 4, 4, 0.5)));

      assertThat(result.state()).isEqualTo("FAILED");
      assertThat(result.reason()).contains("canaries failed").contains("not touched");
      assertThat(fleet.tenants("canary", null, 100))
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.tenantId()).isEqualTo(canary);
                assertThat(r.state()).isEqualTo("FAILED");
                assertThat(r.canary()).isTrue();
                assertThat(r.error()).contains("author");
              });
      for (UUID t : tenants) {
        assertThat(historyVersion(t)).isEqualTo("900");
      }
    } finally {
      TestPostgres.execute(tenantDb(canary), "ALTER TABLE fleet_test_notes DROP COLUMN author");
    }
  }

  @Test
  @Order(3)
  void pauseStopsNewTenantsResumeGoesOnAndAbortEndsWithTheCounts() throws Exception {
    try (PlatformActivities activities = fleetActivities();
        PlatformWorker worker = embedded.worker(activities)) {
      worker.start();
      MigrateFleetWorkflow flow =
          start("pausing", request("pausing", "901", List.of(), 0, 1, 1, 0.5));
      flow.pause("test pause");
      awaitTrue(
          () -> "PAUSED".equals(fleet.find("pausing").map(m -> m.state()).orElse(null)),
          Duration.ofSeconds(60));
      assertThat(fleet.find("pausing").orElseThrow().reason()).contains("test pause");
      long startedWhilePaused = fleet.tenants("pausing", null, 100).size();
      Thread.sleep(1500);
      assertThat(fleet.tenants("pausing", null, 100)).hasSize((int) startedWhilePaused);
      assertThat(startedWhilePaused).isLessThanOrEqualTo(1);

      flow.resume();
      awaitTrue(() -> fleet.counts("pausing").get("DONE") >= 3, Duration.ofSeconds(60));
      flow.abort("test abort");
      MigrationProgress result = await(flow);

      assertThat(result.state()).isEqualTo("ABORTED");
      assertThat(result.reason()).isEqualTo("test abort");
      assertThat(result.done()).isGreaterThanOrEqualTo(3).isLessThan(TENANTS);
      assertThat(fleet.counts("pausing"))
          .containsEntry("RUNNING", 0L)
          .containsEntry("DONE", (long) result.done());
      long at901 = tenants.stream().filter(t -> "901".equals(historyVersion(t))).count();
      assertThat(at901).isEqualTo(result.done());
    }
  }

  @Test
  @Order(4)
  void aWorkerKilledMidRolloutIsReplacedAndEachTenantIsMigratedOnce() throws Exception {
    Map<String, String> env = new HashMap<>(embedded.env);
    env.put("TASKIFAI_TENANT_MIGRATION_LOCATIONS", String.join(",", LOCATIONS));
    WorkerProcess child = WorkerProcess.start("taskifai-fleet-worker", env);
    MigrateFleetWorkflow flow;
    try {
      awaitTrue(
          () -> {
            try {
              return child.log().contains(WorkerMain.READY) || !child.isAlive();
            } catch (java.io.IOException e) {
              return false;
            }
          },
          Duration.ofSeconds(60));
      assertThat(child.isAlive()).as("worker process: %s", child.log()).isTrue();
      flow = start("killed", request("killed", "901", List.of(), 0, 2, 2, 0.5));
      awaitTrue(() -> fleet.counts("killed").get("DONE") >= 2, Duration.ofSeconds(60));
    } finally {
      child.kill();
    }
    assertThat(child.isAlive()).isFalse();
    try (PlatformActivities activities = fleetActivities();
        PlatformWorker worker = embedded.worker(activities)) {
      worker.start();
      MigrationProgress result = await(flow);
      assertThat(result.state()).isEqualTo("COMPLETED");
      assertThat(result.failed()).isZero();
    }
    for (UUID t : tenants) {
      assertThat(fleet.schemaVersion(t)).contains("901");
      assertThat(historyVersion(t)).isEqualTo("901");
      assertThat(
              EmbeddedPlatform.count(
                  tenantDb(t), "SELECT count(*) FROM flyway_schema_history WHERE version = '901'"))
          .as("V901 applied exactly once in %s", t)
          .isEqualTo(1);
    }
  }

  @Test
  @Order(5)
  void anExtensionIsEnabledPerTenantProtectedAndKeptByTheNextRollout() throws Exception {
    UUID chosen = tenants.get(1);
    UUID other = tenants.get(2);
    String appRole = TenantDatabaseNames.of(chosen).appRole();
    try (PlatformActivities product =
            PlatformActivities.create(
                embedded.platform.platform(),
                embedded.cipher,
                ActivitiesConfig.fromEnvironment(embedded.env));
        PlatformWorker worker = embedded.worker(product)) {
      worker.start();
      assertThat(enable(chosen, "custom_fields")).isEqualTo("1");
      assertThatThrownBy(() -> enable(chosen, "no_such_extension"))
          .isInstanceOf(WorkflowFailedException.class)
          .rootCause()
          .hasMessageContaining("no schema extension named 'no_such_extension' is shipped");
      assertThatThrownBy(() -> enable(failedTenant, "custom_fields"))
          .isInstanceOf(WorkflowFailedException.class)
          .rootCause()
          .hasMessageContaining("is FAILED");
    }
    assertThat(fleet.extensions(chosen))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.name()).isEqualTo("custom_fields");
              assertThat(e.version()).isEqualTo("1");
              assertThat(e.enabledBy()).isEqualTo("test");
            });
    assertThat(TenantSchema.protectionGaps(tenantDb(chosen), appRole)).isEmpty();
    assertThat(tableCount(chosen, "custom_field_values", true)).isEqualTo(1);
    assertThat(tableCount(other, "custom_field_values", false)).isZero();
    assertThat(
            EmbeddedPlatform.count(
                tenantDb(chosen),
                "SELECT count(*) FROM pg_class WHERE relname = 'flyway_ext_custom_fields'"
                    + " AND has_table_privilege('"
                    + appRole
                    + "', oid, 'SELECT')"))
        .as("the app role cannot read the extension's history")
        .isZero();

    // The next rollout (to V902) keeps the extension applied, with its own new step.
    try (PlatformActivities activities = fleetActivities();
        PlatformWorker worker = embedded.worker(activities)) {
      worker.start();
      MigrationProgress result =
          await(start("with-ext", request("with-ext", null, List.of(), 1, 4, 4, 0.5)));
      assertThat(result.state()).isEqualTo("COMPLETED");
      assertThat(result.targetVersion()).isEqualTo("902");
      assertThat(result.done()).isEqualTo(TENANTS);
    }
    assertThat(fleet.extensions(chosen).get(0).version()).isEqualTo("2");
    assertThat(tableCount(chosen, "custom_field_hint_log", true)).isEqualTo(1);
    assertThat(TenantSchema.protectionGaps(tenantDb(chosen), appRole)).isEmpty();
    assertThat(tableCount(other, "custom_field_hint_log", false)).isZero();
    for (UUID t : tenants) {
      assertThat(fleet.schemaVersion(t)).contains("902");
    }
  }

  private static String enable(UUID tenant, String name) {
    EnableExtensionWorkflow flow =
        embedded.client.newWorkflowStub(
            EnableExtensionWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                .setWorkflowId(EnableExtensionWorkflow.workflowId(tenant, name))
                .setWorkflowRunTimeout(Duration.ofMinutes(2))
                .build());
    return flow.enable(new TenantExtensionInput(tenant, name, "test"));
  }

  /** Tables of that name (with RLS enabled and forced, when asked). */
  private static long tableCount(UUID tenant, String table, boolean protectedOnly) {
    return EmbeddedPlatform.count(
        tenantDb(tenant),
        "SELECT count(*) FROM pg_class WHERE relname = ?"
            + (protectedOnly ? " AND relrowsecurity AND relforcerowsecurity" : ""),
        table);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private static PlatformActivities fleetActivities() {
    return PlatformActivities.builder(
            embedded.platform.platform(),
            embedded.cipher,
            ActivitiesConfig.fromEnvironment(embedded.env))
        .tenantMigrations(LOCATIONS)
        .build();
  }

  private static MigrationRequest request(
      String id,
      String target,
      List<UUID> canaries,
      int canaryCount,
      int concurrency,
      int perServer,
      double ratio) {
    return new MigrationRequest(
        id, target, canaries, canaryCount, concurrency, perServer, ratio, "test", false, null);
  }

  private static MigrateFleetWorkflow start(String id, MigrationRequest request) {
    MigrateFleetWorkflow flow =
        embedded.client.newWorkflowStub(
            MigrateFleetWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                .setWorkflowId(MigrateFleetWorkflow.workflowId(id))
                .build());
    WorkflowClient.start(flow::migrate, request);
    return flow;
  }

  private static MigrationProgress await(MigrateFleetWorkflow flow) throws Exception {
    return WorkflowStub.fromTyped(flow).getResult(240, TimeUnit.SECONDS, MigrationProgress.class);
  }

  private static void awaitTrue(BooleanSupplier condition, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not reached within " + timeout);
      }
      Thread.sleep(50);
    }
  }

  private static UUID newTenant(PlatformActivities a, String prefix) {
    UUID id = UUID.randomUUID();
    String subdomain = prefix + "-" + id.toString().substring(0, 8);
    StepInput input = StepInput.of(id, subdomain);
    a.registry()
        .reserveTenant(
            new ReserveTenantInput(
                id, subdomain, "Co " + subdomain, "admin@" + subdomain + ".test", "local", "t"));
    a.registry().placeDatabase(input);
    a.database().createDatabase(input);
    a.registry().storeCredentials(input);
    a.database().migrateSchema(input);
    a.database().applyRls(input);
    registry.setStatus(id, TenantStatus.ACTIVE);
    return id;
  }

  private static DataSource tenantDb(UUID tenant) {
    return TestPostgres.superuser(EmbeddedPlatform.databaseName(tenant));
  }

  private static String historyVersion(UUID tenant) {
    return TenantSchema.currentVersion(tenantDb(tenant));
  }

  private static void dropTemplate() {
    TestPostgres.execute(
        TestPostgres.superuser("postgres"), "DROP DATABASE IF EXISTS tenant_template WITH (FORCE)");
  }
}
