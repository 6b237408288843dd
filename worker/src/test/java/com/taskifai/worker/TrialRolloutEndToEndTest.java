package com.taskifai.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.activities.ActivitiesConfig;
import com.taskifai.activities.PlatformActivities;
import com.taskifai.registry.FleetMigrations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.tenantschema.TrialSchema;
import com.taskifai.workflows.WorkflowStatus;
import com.taskifai.workflows.migration.MigrateFleetWorkflow;
import com.taskifai.workflows.migration.MigrationProgress;
import com.taskifai.workflows.migration.MigrationRequest;
import com.taskifai.workflows.ports.FleetScan;
import com.taskifai.workflows.ports.Orphan;
import com.taskifai.workflows.provisioning.EmailVerified;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.provisioning.ProvisioningResult;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Fleet rollouts and the shared trial database, for real: two trials provisioned by the workflow,
 * then a rollout of a test-only migration the trial isolation cannot cover (a table without {@code
 * tenant_id}), which fails there as a whole, and one with its trial counterpart, which upgrades the
 * trial database with the isolation on every table. In order; the second builds on the first.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrialRolloutEndToEndTest {
  private static final List<String> BROKEN =
      List.of("classpath:db/tenant", "classpath:db/tenant-trial-broken");
  private static final List<String> WITH_COUNTERPART =
      List.of("classpath:db/tenant", "classpath:db/tenant-fleet-test");

  private static EmbeddedPlatform embedded;
  private static TenantRegistry registry;
  private static FleetMigrations fleet;
  private static UUID trialA;
  private static UUID trialB;

  @BeforeAll
  static void twoTrials() throws Exception {
    embedded = new EmbeddedPlatform();
    registry = new TenantRegistry(embedded.platform.platform());
    fleet = registry.fleetMigrations();
    dropTemplate();
    try (PlatformActivities product = PlatformActivities.fromEnvironment(embedded.env);
        PlatformWorker worker = embedded.worker(product)) {
      worker.start();
      trialA = activeTrial("roll-a");
      trialB = activeTrial("roll-b");
    }
    writeProduct(trialA, "A-1");
    writeProduct(trialB, "B-1");
  }

  @AfterAll
  static void stop() throws Exception {
    dropTemplate();
    EmbeddedPlatform.closeAll(embedded);
    // Later test classes make the shared database afresh, at the product's schema.
    TestPostgres.execute(
        TestPostgres.superuser("postgres"),
        "DROP DATABASE IF EXISTS " + TrialSchema.DATABASE + " WITH (FORCE)");
  }

  @Test
  @Order(1)
  void aRolloutTheIsolationCannotCoverFailsInTheTrialDatabaseAsAWholeAndIsolationStaysOn()
      throws Exception {
    String before = TenantSchema.currentVersion(shared());

    MigrationProgress result;
    try (PlatformActivities activities = activities(BROKEN);
        PlatformWorker worker = embedded.worker(activities)) {
      worker.start();
      result = await(start("broken"));
    }

    assertThat(result.state()).isEqualTo("COMPLETED");
    assertThat(result.reason())
        .contains("shared trial databases failed")
        .contains("trial_broken_notes");
    // Nothing of the change is in the trial database, and every table keeps its isolation.
    assertThat(strings(shared(), "SELECT to_regclass('public.trial_broken_notes')::text"))
        .containsOnlyNulls();
    assertThat(
            strings(
                shared(),
                "SELECT column_name FROM information_schema.columns"
                    + " WHERE table_name = 'products' AND column_name = 'trial_broken_flag'"))
        .isEmpty();
    assertThat(TenantSchema.currentVersion(shared())).isEqualTo(before);
    try (Connection c = shared().getConnection()) {
      assertThat(TrialSchema.isolationGaps(c)).isEmpty();
    }
    assertThat(fleet.schemaVersion(trialA)).isEmpty();
    assertThat(asTrial(trialA)).containsExactly("A-1");
    assertThat(asTrial(trialB)).containsExactly("B-1");
    try (PlatformActivities activities = activities(TenantSchema.DEFAULT_LOCATIONS)) {
      FleetScan scan = activities.fleet().scanFleet();
      assertThat(scan.orphans())
          .extracting(Orphan::kind)
          .doesNotContain(Orphan.UNSCOPED_TRIAL_DATABASE);
    }
  }

  @Test
  @Order(2)
  void aRolloutWithTheTrialCounterpartUpgradesTheTrialDatabaseWithTheIsolationOnEveryTable()
      throws Exception {
    dropTemplate(); // the first rollout took the server's template to the broken version
    MigrationProgress result;
    try (PlatformActivities activities = activities(WITH_COUNTERPART);
        PlatformWorker worker = embedded.worker(activities)) {
      worker.start();
      result = await(start("counterpart"));
    }

    assertThat(result.state()).isEqualTo("COMPLETED");
    assertThat(result.reason()).isNull();
    assertThat(fleet.schemaVersion(trialA)).contains("902");
    assertThat(fleet.schemaVersion(trialB)).contains("902");
    try (Connection c = shared().getConnection()) {
      assertThat(TrialSchema.isolationGaps(c)).isEmpty();
    }
    assertThat(
            strings(
                shared(),
                "SELECT policyname FROM pg_policies WHERE tablename = 'fleet_test_notes'"
                    + " AND policyname = 'trial_isolation'"))
        .containsExactly("trial_isolation");
    // The trials still see only their own rows, in the old tables and the new one.
    assertThat(asTrial(trialA)).containsExactly("A-1");
    assertThat(asTrial(trialB)).containsExactly("B-1");
    asTrialExecute(trialA, "INSERT INTO fleet_test_notes (note) VALUES ('note of A')");
    assertThat(asTrialStrings(trialB, "SELECT note FROM fleet_test_notes")).isEmpty();
    assertThat(asTrialStrings(trialA, "SELECT note FROM fleet_test_notes"))
        .containsExactly("note of A");
  }

  private static PlatformActivities activities(List<String> locations) {
    return PlatformActivities.builder(
            embedded.platform.platform(),
            embedded.cipher,
            ActivitiesConfig.fromEnvironment(embedded.env))
        .tenantMigrations(locations)
        .build();
  }

  private static UUID activeTrial(String prefix) throws Exception {
    UUID id = UUID.randomUUID();
    String subdomain = prefix + "-" + id.toString().substring(0, 8);
    ProvisionTenantWorkflow flow = embedded.startTrialProvisioning(id, subdomain, null);
    flow.emailVerified(new EmailVerified("e2e"));
    ProvisioningResult result =
        WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, ProvisioningResult.class);
    assertThat(result.status()).as(result.toString()).isEqualTo(WorkflowStatus.ACTIVE);
    return id;
  }

  private static MigrateFleetWorkflow start(String id) {
    MigrateFleetWorkflow flow =
        embedded.client.newWorkflowStub(
            MigrateFleetWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                .setWorkflowId(MigrateFleetWorkflow.workflowId(id))
                .build());
    WorkflowClient.start(
        flow::migrate,
        new MigrationRequest(id, null, List.of(), 0, 2, 2, 0.5, "test", false, null));
    return flow;
  }

  private static MigrationProgress await(MigrateFleetWorkflow flow) throws Exception {
    return WorkflowStub.fromTyped(flow).getResult(240, TimeUnit.SECONDS, MigrationProgress.class);
  }

  private static DataSource shared() {
    return TestPostgres.superuser(TrialSchema.DATABASE);
  }

  private static void writeProduct(UUID trial, String sku) throws SQLException {
    asTrialExecute(trial, "INSERT INTO products (sku, name) VALUES ('" + sku + "', 'x')");
  }

  private static List<String> asTrial(UUID trial) throws SQLException {
    return asTrialStrings(trial, "SELECT sku FROM products ORDER BY sku");
  }

  /** As the app role the routers log in as, routed to {@code trial}. */
  private static List<String> asTrialStrings(UUID trial, String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = shared().getConnection()) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute("SET LOCAL ROLE " + TrialSchema.APP_ROLE);
        st.execute("SET LOCAL app.user_role = 'admin'");
        st.execute("SET LOCAL app.tenant_id = '" + trial + "'");
        try (ResultSet rs = st.executeQuery(sql)) {
          while (rs.next()) {
            out.add(rs.getString(1));
          }
        }
      }
      c.rollback();
    }
    return out;
  }

  private static void asTrialExecute(UUID trial, String sql) throws SQLException {
    try (Connection c = shared().getConnection()) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute("SET LOCAL ROLE " + TrialSchema.APP_ROLE);
        st.execute("SET LOCAL app.user_role = 'admin'");
        st.execute("SET LOCAL app.tenant_id = '" + trial + "'");
        st.execute(sql);
      }
      c.commit();
    }
  }

  private static List<String> strings(DataSource ds, String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  private static void dropTemplate() {
    TestPostgres.execute(
        TestPostgres.superuser("postgres"), "DROP DATABASE IF EXISTS tenant_template WITH (FORCE)");
  }
}
