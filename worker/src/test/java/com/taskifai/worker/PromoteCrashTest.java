package com.taskifai.worker;

import static com.taskifai.worker.EmbeddedPlatform.count;
import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.tenantschema.TrialSchema;
import com.taskifai.workflows.faults.FaultInjection;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.saga.StepProgress;
import com.taskifai.workflows.saga.StepState;
import com.taskifai.workflows.trial.PromoteTenantRequest;
import com.taskifai.workflows.trial.PromoteTenantWorkflow;
import com.taskifai.workflows.trial.PromotionProgress;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A worker process killed with SIGKILL in the middle of a trial's promotion (its rows copied into
 * the new database while writes are held, or routing swapped but the rows not yet deleted from the
 * shared database): a replacement worker takes the promotion over, and the tenant ends in exactly
 * one place, either still a trial in the shared trial database with no database of its own or
 * promoted with every row in its own database and none left in the shared one. The operation is
 * released and writes are no longer held.
 */
class PromoteCrashTest {
  private static CrashRig rig;
  private static EmbeddedPlatform embedded;
  private static TenantRegistry registry;
  private static TenantOperations operations;

  @BeforeAll
  static void start() {
    rig = new CrashRig();
    embedded = rig.embedded;
    registry = rig.registry;
    operations = rig.operations;
  }

  @AfterAll
  static void stop() {
    if (rig != null) {
      rig.close();
    }
  }

  private static DataSource shared() {
    return TestPostgres.superuser(TrialSchema.DATABASE);
  }

  @ParameterizedTest
  @ValueSource(strings = {"copy_trial_rows:stall", "swap_to_dedicated:stall"})
  void aWorkerKilledMidPromotionLeavesTheTenantInExactlyOnePlace(String stall) throws Exception {
    WorkerProcess child = rig.startWorkerProcess();
    UUID tenant = UUID.randomUUID();
    String subdomain = "prkill-" + tenant.toString().substring(0, 8);
    String dedicated = EmbeddedPlatform.databaseName(tenant);
    rig.provisionTrial(tenant, subdomain);
    Tenant trial = registry.findById(tenant).orElseThrow();
    assertThat(trial.isTrial()).isTrue();
    TrialPromotionEndToEndTest.fill(trial, 200);
    Map<String, Long> before = TrialSchema.countRows(shared(), tenant);
    assertThat(before.get("products")).isEqualTo(200);

    PromoteTenantWorkflow flow =
        embedded.client.newWorkflowStub(
            PromoteTenantWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                .setWorkflowId(PromoteTenantWorkflow.workflowId(tenant))
                .setWorkflowExecutionTimeout(Duration.ofMinutes(5))
                .setMemo(FaultInjection.memo(stall))
                .build());
    String stepAtKill =
        CrashRig.killDuring(
            child,
            () -> {
              WorkflowClient.start(
                  flow::promote, new PromoteTenantRequest(tenant, subdomain, "e2e"));
              // Kill once the stalled step has done its effect and holds the worker.
              BooleanSupplier effectDone =
                  stall.startsWith("copy_trial_rows")
                      ? () -> dedicatedProducts(dedicated) == before.get("products")
                      : () -> !registry.findById(tenant).orElseThrow().isTrial();
              String step = stall.replace(":stall", "");
              long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
              while (!(step.equals(running(flow)) && effectDone.getAsBoolean())) {
                assertThat(child.isAlive() && System.nanoTime() < deadline)
                    .as("promotion reaches %s: %s", step, child.log())
                    .isTrue();
                Thread.sleep(50);
              }
              return running(flow);
            });
    assertThat(stepAtKill).isEqualTo(stall.replace(":stall", ""));
    // Killed in the write hold's window: the promotion holds the tenant and its writes.
    assertThat(operations.current(tenant)).isPresent();
    assertThat(operations.writesHeld(tenant)).isTrue();

    PromotionProgress result =
        rig.withWorker(
            () ->
                WorkflowStub.fromTyped(flow)
                    .getResult(180, TimeUnit.SECONDS, PromotionProgress.class));
    assertThat(result.status()).as(result.toString()).isIn("PROMOTED", "FAILED");

    Tenant after = registry.findById(tenant).orElseThrow();
    List<String> databases =
        JdbcClient.create(TestPostgres.superuser("postgres"))
            .sql("SELECT datname FROM pg_database WHERE datname LIKE :p")
            .param("p", dedicated + "%")
            .query(String.class)
            .list();
    Map<String, Long> leftInShared = TrialSchema.countRows(shared(), tenant);
    if (after.isTrial()) {
      // Still a trial: everything where it was, nothing of a dedicated database left.
      assertThat(result.status()).isEqualTo("FAILED");
      assertThat(after.databaseName()).isEqualTo(TrialSchema.DATABASE);
      assertThat(TenantCredentials.decrypt(embedded.cipher, after).username())
          .isEqualTo(TrialSchema.APP_ROLE);
      assertThat(leftInShared).isEqualTo(before);
      assertThat(databases).isEmpty();
      assertThat(
              count(
                  shared(),
                  "SELECT count(*) FROM trial.tenants WHERE tenant_id = ?::uuid AND NOT frozen",
                  tenant.toString()))
          .isEqualTo(1);
    } else {
      // Promoted: every row in its own database, none left in the shared one.
      assertThat(result.status()).isEqualTo("PROMOTED");
      assertThat(after.tier()).isEqualTo(Tenant.DEDICATED);
      assertThat(after.databaseName()).isEqualTo(dedicated);
      assertThat(databases).containsExactly(dedicated);
      TenantCredentials creds = TenantCredentials.decrypt(embedded.cipher, after);
      assertThat(creds.username()).startsWith("t_");
      try (Connection c = TestPostgres.superuser(dedicated).getConnection();
          Statement st = c.createStatement()) {
        for (Map.Entry<String, Long> e : before.entrySet()) {
          try (var rs = st.executeQuery("SELECT count(*) FROM " + e.getKey())) {
            rs.next();
            assertThat(rs.getLong(1)).as(e.getKey()).isEqualTo(e.getValue());
          }
        }
      }
      assertThat(leftInShared.values()).allMatch(n -> n == 0L);
    }
    assertThat(operations.current(tenant)).isEmpty();
    assertThat(operations.writesHeld(tenant)).isFalse();
  }

  /** The promotion's running step, or none while no worker can answer the query yet. */
  private static String running(PromoteTenantWorkflow flow) {
    try {
      return flow.progress().steps().stream()
          .filter(s -> s.state() == StepState.RUNNING)
          .map(StepProgress::name)
          .findFirst()
          .orElse("");
    } catch (RuntimeException notYet) {
      return "";
    }
  }

  /** Products in the new database, or -1 while it is not there or not migrated yet. */
  private static long dedicatedProducts(String database) {
    try {
      return count(TestPostgres.superuser(database), "SELECT count(*) FROM products");
    } catch (RuntimeException notYet) {
      return -1;
    }
  }
}
