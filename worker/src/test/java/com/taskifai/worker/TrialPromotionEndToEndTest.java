package com.taskifai.worker;

import static com.taskifai.worker.EmbeddedPlatform.count;
import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.activities.PlatformActivities;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.tenantschema.TrialSchema;
import com.taskifai.workflows.WorkflowStatus;
import com.taskifai.workflows.faults.FaultInjection;
import com.taskifai.workflows.lifecycle.OffboardTenantWorkflow;
import com.taskifai.workflows.lifecycle.TenantOperation;
import com.taskifai.workflows.provisioning.EmailVerified;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.provisioning.ProvisioningResult;
import com.taskifai.workflows.trial.PromoteTenantRequest;
import com.taskifai.workflows.trial.PromoteTenantWorkflow;
import com.taskifai.workflows.trial.PromotionProgress;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real worker, activities and PostgreSQL: a trial is provisioned into the shared trial database,
 * promoted to a database of its own with its rows counted per table, and a failure at each
 * promotion step leaves the trial as it was.
 */
class TrialPromotionEndToEndTest {
  private static EmbeddedPlatform embedded;
  private static PlatformActivities activities;
  private static PlatformWorker worker;
  private static TenantRegistry registry;

  @BeforeAll
  static void startWorker() {
    embedded = new EmbeddedPlatform();
    embedded.env.put(PlatformWorker.FAULT_INJECTION, "true");
    activities = PlatformActivities.fromEnvironment(embedded.env);
    worker = embedded.worker(activities);
    worker.start();
    registry = new TenantRegistry(embedded.platform.platform());
  }

  @AfterAll
  static void stopWorker() throws Exception {
    EmbeddedPlatform.closeAll(worker, activities, embedded);
  }

  private static DataSource shared() {
    return TestPostgres.superuser(TrialSchema.DATABASE);
  }

  /** A trial provisioned by the workflow, verified and ACTIVE. */
  static Tenant activeTrial(String prefix, String injectFault) throws Exception {
    UUID id = UUID.randomUUID();
    String subdomain = prefix + "-" + id.toString().substring(0, 8);
    ProvisionTenantWorkflow flow = embedded.startTrialProvisioning(id, subdomain, injectFault);
    try {
      flow.emailVerified(new EmailVerified("e2e"));
    } catch (RuntimeException e) {
      // The workflow failed (an injected fault) before the signal.
    }
    ProvisioningResult result =
        WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, ProvisioningResult.class);
    if (injectFault == null) {
      assertThat(result.status()).as(result.toString()).isEqualTo(WorkflowStatus.ACTIVE);
    }
    return registry.findById(id).orElseThrow();
  }

  @Test
  void aTrialLivesInTheSharedDatabaseWithNoDatabaseOrRoleOfItsOwn() throws Exception {
    Tenant t = activeTrial("trial", null);
    assertThat(t.isTrial()).isTrue();
    assertThat(t.status()).isEqualTo(TenantStatus.ACTIVE);
    assertThat(t.databaseName()).isEqualTo(TrialSchema.DATABASE);
    DataSource cluster = TestPostgres.superuser("postgres");
    assertThat(
            count(
                cluster,
                "SELECT count(*) FROM pg_database WHERE datname = ?",
                EmbeddedPlatform.databaseName(t.tenantId())))
        .isZero();
    assertThat(
            count(
                cluster,
                "SELECT count(*) FROM pg_roles WHERE rolname LIKE ?",
                "t\\_" + t.tenantId().toString().replace("-", "") + "%"))
        .isZero();
    Map<String, Long> rows = TrialSchema.countRows(shared(), t.tenantId());
    assertThat(rows.get("users")).isEqualTo(1);
    assertThat(rows.get("vendor_configs")).isPositive();
    // The welcome mail's link hash went into the trial's admin row in the shared database.
    assertThat(
            count(
                shared(),
                "SELECT count(*) FROM users WHERE tenant_id = ?::uuid"
                    + " AND set_password_token_hash IS NOT NULL",
                t.tenantId().toString()))
        .isEqualTo(1);
    // The stored credentials are the shared app role's and open the shared database.
    TenantCredentials creds = TenantCredentials.decrypt(embedded.cipher, t);
    assertThat(creds.username()).isEqualTo(TrialSchema.APP_ROLE);
    try (Connection c =
        DriverManager.getConnection(creds.jdbcUrl(), creds.username(), creds.password())) {
      assertThat(c.getCatalog()).isEqualTo(TrialSchema.DATABASE);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"place_trial", "register_trial_tenant", "register_trial_tenant:after"})
  void aFailedTrialProvisioningLeavesNoRowsInTheSharedDatabase(String fault) throws Exception {
    Tenant t = activeTrial("trialfail", fault);
    assertThat(t.status()).isEqualTo(TenantStatus.FAILED);
    assertThat(t.hasCredentials()).isFalse();
    if (!fault.startsWith("place_trial")) {
      assertThat(TrialSchema.countRows(shared(), t.tenantId()).values()).allMatch(n -> n == 0L);
    }
  }

  /** Rows of every kind for a trial, written as the router writes them. */
  static void fill(Tenant t, int products) throws SQLException {
    try (Connection c = shared().getConnection()) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute("SET LOCAL ROLE " + TrialSchema.OWNER_ROLE);
        st.execute("SET LOCAL app.user_role = 'admin'");
        st.execute("SET LOCAL app.tenant_id = '" + t.tenantId() + "'");
        for (int i = 0; i < products; i++) {
          st.execute(
              "INSERT INTO products (sku, name, ean) VALUES ('SKU-" + i + "', 'P" + i + "', NULL)");
        }
        st.execute(
            "INSERT INTO ecommerce_orders (order_number, product_id, quantity, amount, currency,"
                + " ordered_at) SELECT 'O-' || sku, id, 1, 9.5, 'EUR', now() FROM products");
        st.execute(
            "INSERT INTO upload_batches (uploaded_by, vendor_key, file_name, row_count)"
                + " SELECT u.id, v.vendor_key, 'f.csv', 1 FROM users u, vendor_configs v"
                + " ORDER BY v.vendor_key LIMIT 1");
        st.execute(
            "INSERT INTO sellout_entries2 (batch_id, uploaded_by, vendor_key, sku, period_start,"
                + " period_end, period_label, quantity, revenue, currency)"
                + " SELECT b.id, b.uploaded_by, b.vendor_key, 'SKU-0', current_date, current_date,"
                + " 'today', 2, 3, 'EUR' FROM upload_batches b");
        st.execute(
            "INSERT INTO conversation_history (user_id, role, message)"
                + " SELECT id, 'user', 'hello' FROM users");
      }
      c.commit();
    }
  }

  static PromotionProgress promote(Tenant t, String fault) {
    String op = PromoteTenantWorkflow.workflowId(t.tenantId());
    PromoteTenantWorkflow flow =
        embedded.client.newWorkflowStub(
            PromoteTenantWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                .setWorkflowId(op + "-" + UUID.randomUUID())
                .setMemo(FaultInjection.memo(fault))
                .build());
    return flow.promote(new PromoteTenantRequest(t.tenantId(), t.subdomain(), "e2e-test"));
  }

  @Test
  void promotionCopiesEveryRowCountsThemSwapsAndEmptiesTheSharedDatabase() throws Exception {
    Tenant t = activeTrial("promo", null);
    fill(t, 25);
    Map<String, Long> before = TrialSchema.countRows(shared(), t.tenantId());
    assertThat(before.get("products")).isEqualTo(25);

    PromotionProgress result = promote(t, null);

    assertThat(result.status()).as(result.toString()).isEqualTo("PROMOTED");
    assertThat(result.rowsCopied()).isEqualTo(before);
    // The shared test server runs wal_level = replica: the promotion says so and freezes the trial.
    assertThat(result.copyMode()).isEqualTo("freeze");
    assertThat(result.copyModeReason()).contains("wal_level is replica");
    Tenant after = registry.findById(t.tenantId()).orElseThrow();
    assertThat(after.isTrial()).isFalse();
    assertThat(after.databaseName()).isEqualTo(EmbeddedPlatform.databaseName(t.tenantId()));
    assertThat(new TenantOperations(embedded.platform.platform()).current(t.tenantId())).isEmpty();
    assertThat(new TenantOperations(embedded.platform.platform()).writesHeld(t.tenantId()))
        .isFalse();
    // Counts per table in the tenant's own database, read as its app role through RLS.
    TenantCredentials creds = TenantCredentials.decrypt(embedded.cipher, after);
    assertThat(creds.username()).startsWith("t_");
    try (Connection c =
            DriverManager.getConnection(creds.jdbcUrl(), creds.username(), creds.password());
        Statement st = c.createStatement()) {
      st.execute("SET app.user_role = 'admin'");
      for (Map.Entry<String, Long> e : before.entrySet()) {
        assertThat(countIn(c, "SELECT count(*) FROM " + e.getKey()))
            .as(e.getKey())
            .isEqualTo(e.getValue());
      }
    }
    assertThat(
            TenantSchema.protectionGaps(
                TestPostgres.superuser(after.databaseName()), creds.username()))
        .isEmpty();
    assertThat(TrialSchema.countRows(shared(), t.tenantId()).values()).allMatch(n -> n == 0L);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "claim_promotion",
        "create_database",
        "create_database:after",
        "migrate_schema",
        "apply_rls",
        "hold_trial_writes",
        "hold_trial_writes:after",
        "copy_trial_rows",
        "copy_trial_rows:after",
        "verify_trial_copy",
        "swap_to_dedicated",
        "swap_to_dedicated:after"
      })
  void aFailureAtAnyPromotionStepLeavesTheTrialAsItWas(String fault) throws Exception {
    Tenant t = activeTrial("promofail", null);
    fill(t, 5);
    Map<String, Long> before = TrialSchema.countRows(shared(), t.tenantId());

    PromotionProgress result = promote(t, fault);

    assertThat(result.status()).as(result.toString()).isEqualTo("FAILED");
    assertThat(result.failedStep()).isEqualTo(fault.replace(":after", ""));
    Tenant after = registry.findById(t.tenantId()).orElseThrow();
    assertThat(after.isTrial()).isTrue();
    assertThat(after.databaseName()).isEqualTo(TrialSchema.DATABASE);
    assertThat(TenantCredentials.decrypt(embedded.cipher, after).username())
        .isEqualTo(TrialSchema.APP_ROLE);
    assertThat(TrialSchema.countRows(shared(), t.tenantId())).isEqualTo(before);
    TenantOperations ops = new TenantOperations(embedded.platform.platform());
    assertThat(ops.current(t.tenantId())).isEmpty();
    assertThat(ops.writesHeld(t.tenantId())).isFalse();
    assertThat(
            count(
                shared(),
                "SELECT count(*) FROM trial.tenants WHERE tenant_id = ?::uuid AND NOT frozen",
                t.tenantId().toString()))
        .isEqualTo(1);
    assertThat(
            count(
                TestPostgres.superuser("postgres"),
                "SELECT count(*) FROM pg_database WHERE datname = ?",
                EmbeddedPlatform.databaseName(t.tenantId())))
        .isZero();
    // The trial can still be promoted afterwards.
    if (fault.equals("copy_trial_rows")) {
      assertThat(promote(t, null).status()).isEqualTo("PROMOTED");
    }
  }

  /**
   * Writers that do what the router does (registry row → write hold → trial transaction with its
   * fence, or the dedicated database) keep writing during the promotion; every write that was
   * acknowledged (committed) is in the dedicated database at the end.
   */
  @Test
  void everyWriteAcknowledgedDuringThePromotionIsInTheDedicatedDatabase() throws Exception {
    Tenant t = activeTrial("promowrite", null);
    fill(t, 3);
    List<String> acknowledged = Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean stop = new AtomicBoolean();
    TenantOperations ops = new TenantOperations(embedded.platform.platform());
    Thread writer =
        new Thread(
            () -> {
              int i = 0;
              while (!stop.get()) {
                String sku = "W-" + i++;
                try {
                  Tenant now = registry.findById(t.tenantId()).orElseThrow();
                  if (ops.writesHeld(t.tenantId())) {
                    continue; // 503 + Retry-After
                  }
                  TenantCredentials creds = TenantCredentials.decrypt(embedded.cipher, now);
                  try (Connection c =
                      DriverManager.getConnection(
                          creds.jdbcUrl(), creds.username(), creds.password())) {
                    c.setAutoCommit(false);
                    try (Statement st = c.createStatement()) {
                      st.execute("SET LOCAL app.user_role = 'admin'");
                    }
                    if (now.isTrial()) {
                      TrialSchema.beginTenantTransaction(c, t.tenantId());
                    }
                    try (PreparedStatement ps =
                        c.prepareStatement("INSERT INTO products (sku, name) VALUES (?, ?)")) {
                      ps.setString(1, sku);
                      ps.setString(2, sku);
                      ps.executeUpdate();
                    }
                    c.commit();
                    acknowledged.add(sku);
                  }
                } catch (SQLException e) {
                  // Not acknowledged: the frozen trial (read-only) or a swap in between.
                }
              }
            });
    writer.start();
    Thread.sleep(300);
    PromotionProgress result = promote(t, null);
    Thread.sleep(300);
    stop.set(true);
    writer.join(10_000);

    assertThat(result.status()).as(result.toString()).isEqualTo("PROMOTED");
    assertThat(acknowledged).hasSizeGreaterThan(3);
    Tenant after = registry.findById(t.tenantId()).orElseThrow();
    List<String> inDedicated = new ArrayList<>();
    try (Connection c = TestPostgres.superuser(after.databaseName()).getConnection();
        Statement st = c.createStatement();
        var rs = st.executeQuery("SELECT sku FROM products WHERE sku LIKE 'W-%'")) {
      while (rs.next()) {
        inDedicated.add(rs.getString(1));
      }
    }
    assertThat(inDedicated).containsAll(new ArrayList<>(acknowledged));
  }

  @Test
  void offboardingATrialDeletesItsRowsFromTheSharedDatabaseAndLeavesOtherTrials() throws Exception {
    Tenant gone = activeTrial("trialoff", null);
    Tenant stays = activeTrial("trialstay", null);
    fill(gone, 4);
    fill(stays, 4);
    Map<String, Long> staying = TrialSchema.countRows(shared(), stays.tenantId());

    String result =
        embedded
            .client
            .newWorkflowStub(
                OffboardTenantWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                    .setWorkflowId(OffboardTenantWorkflow.workflowId(gone.tenantId()))
                    .setWorkflowExecutionTimeout(Duration.ofMinutes(2))
                    .build())
            .offboard(new TenantOperation(gone.tenantId(), gone.subdomain(), "e2e-test"));

    assertThat(result).isEqualTo("DELETED");
    assertThat(TrialSchema.countRows(shared(), gone.tenantId()).values()).allMatch(n -> n == 0L);
    assertThat(TrialSchema.countRows(shared(), stays.tenantId())).isEqualTo(staying);
    assertThat(registry.findById(gone.tenantId()).orElseThrow().status())
        .isEqualTo(TenantStatus.DELETED);
  }

  private static long countIn(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement();
        var rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
