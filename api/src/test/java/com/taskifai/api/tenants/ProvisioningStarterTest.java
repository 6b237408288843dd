package com.taskifai.api.tenants;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.taskifai.api.temporal.TenantWorkflows;
import com.taskifai.api.testing.AdminHttp;
import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.ProvisioningStarts;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.workflows.WorkflowIds;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A tenant's row and its start request are inserted in one statement; when the admin API dies
 * before it starts the workflow (or can neither start it nor release the row), the provisioning
 * starter starts that workflow, once, within a bound. Real PostgreSQL and the Temporal test server
 * (with the test double of the provisioning workflow).
 */
class ProvisioningStarterTest extends ApiTestBase {
  @Autowired ProvisioningStarts starts;
  @Autowired TenantRegistry registry;
  @Autowired TenantWorkflows workflows;
  @Autowired AuditLog audit;
  @Autowired ProvisioningStarter starter;
  private String token;

  @BeforeEach
  void login() {
    token = freshToken();
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** What the API has done when it is killed between the insert and the start. */
  private UUID insertedButNeverStarted(String subdomain) {
    UUID id = UUID.randomUUID();
    starts.reserve(
        new TenantRegistry.Reservation(id, subdomain, "Acme " + subdomain, "b@acme.com", "local"),
        new ProvisioningStarts.Start("ops@taskifai.test", Duration.ofDays(7), null, null, null));
    return id;
  }

  private TenantStatus status(UUID id) {
    return registry.findById(id).orElseThrow().status();
  }

  private long auditRows(UUID id, String action) {
    return JdbcClient.create(platform().db.owner())
        .sql("SELECT count(*) FROM audit_log WHERE tenant_id = :id AND action = :a")
        .param("id", id)
        .param("a", action)
        .query(Long.class)
        .single();
  }

  private long stepRows(UUID id, String step) {
    return JdbcClient.create(platform().db.owner())
        .sql("SELECT count(*) FROM audit_log WHERE tenant_id = :id AND step = :s")
        .param("id", id)
        .param("s", step)
        .query(Long.class)
        .single();
  }

  @Test
  void aRowLeftWithoutItsWorkflowIsProvisionedOnceEvenByTwoApisScanningAtOnce() throws Exception {
    String sub = unique("died");
    UUID id = insertedButNeverStarted(sub);
    String workflowId = WorkflowIds.provision(sub);
    assertThat(workflows.exists(workflowId)).isFalse();
    assertThat(status(id)).isEqualTo(TenantStatus.PROVISIONING);

    // Two admin APIs scan at the same moment.
    ProvisioningStarter other = new ProvisioningStarter(starts, registry, workflows, audit);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Callable<ProvisioningStarter.Scan>> scans =
          List.of(() -> starter.scan(Duration.ZERO), () -> other.scan(Duration.ZERO));
      int started = 0;
      for (Future<ProvisioningStarter.Scan> f : pool.invokeAll(scans)) {
        started += f.get().started();
      }
      assertThat(started).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }

    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> status(id) == TenantStatus.AWAITING_VERIFICATION);
    assertThat(workflows.memo(workflowId, "tenant_id")).isEqualTo(id.toString());
    assertThat(starts.isPending(id)).isFalse();
    assertThat(starter.scan(Duration.ZERO).started()).isZero();
    assertThat(auditRows(id, "workflow.started")).isEqualTo(1);
    // The workflow's own reserve_tenant ran once.
    assertThat(stepRows(id, "reserve_tenant")).isEqualTo(2); // started, succeeded
  }

  @Test
  void theRunningStarterProvisionsALeftRowWithinItsGraceAndOneScan() {
    String sub = unique("bound");
    long t0 = System.nanoTime();
    UUID id = insertedButNeverStarted(sub);
    Duration bound = ProvisioningStarter.GRACE.plus(ProvisioningStarter.EVERY).plusSeconds(10);
    await().atMost(bound).until(() -> status(id) == TenantStatus.AWAITING_VERIFICATION);
    // Not before the grace: the API's own start is given that long.
    assertThat(Duration.ofNanos(System.nanoTime() - t0))
        .isGreaterThanOrEqualTo(ProvisioningStarter.GRACE);
    assertThat(starts.isPending(id)).isFalse();
  }

  @Test
  void aFreshRequestIsLeftToTheApiThatMadeIt() {
    UUID id = insertedButNeverStarted(unique("fresh"));
    assertThat(starter.scan(Duration.ofMinutes(5)))
        .isEqualTo(new ProvisioningStarter.Scan(0, 0, 0, 0));
    assertThat(starts.isPending(id)).isTrue();
    assertThat(status(id)).isEqualTo(TenantStatus.PROVISIONING);
    starts.release(id);
  }

  @Test
  void theApiStartsTheWorkflowAndDropsTheRequest() {
    String sub = unique("api");
    AdminHttp.Answer a =
        http.post(
            "/admin/tenants",
            AdminHttp.json(
                "company_name", "Acme", "subdomain", sub, "admin_email", "boss@acme.com"),
            token);
    assertThat(a.status()).isEqualTo(202);
    UUID id = UUID.fromString(a.text("tenant_id"));
    assertThat(starts.isPending(id)).isFalse();
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> status(id) == TenantStatus.AWAITING_VERIFICATION);
  }

  @Test
  void aRequestWhoseWorkflowRunsAlreadyIsDroppedWithoutASecondRun() {
    String sub = unique("twice");
    UUID id = insertedButNeverStarted(sub);
    // The API started the workflow, then died before it dropped the request.
    workflows.startProvisioning(
        new com.taskifai.workflows.provisioning.ProvisionTenantRequest(
            id, sub, "Acme " + sub, "b@acme.com", "local", "ops@taskifai.test", Duration.ofDays(7)),
        null);
    String runId =
        platform()
            .client
            .newUntypedWorkflowStub(WorkflowIds.provision(sub))
            .describe()
            .getExecution()
            .getRunId();

    ProvisioningStarter.Scan scan = starter.scan(Duration.ZERO);

    assertThat(scan.started()).isZero();
    assertThat(starts.isPending(id)).isFalse();
    assertThat(
            platform()
                .client
                .newUntypedWorkflowStub(WorkflowIds.provision(sub))
                .describe()
                .getExecution()
                .getRunId())
        .isEqualTo(runId);
    assertThat(auditRows(id, "workflow.started")).isZero();
  }

  @Test
  void anotherTenantsWorkflowOnTheIdReleasesTheLeftRow() {
    String sub = unique("held");
    String first =
        http.post(
                "/admin/tenants",
                AdminHttp.json(
                    "company_name", "First", "subdomain", sub, "admin_email", "boss@acme.com"),
                token)
            .text("tenant_id");
    UUID firstId = UUID.fromString(first);
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> status(firstId) == TenantStatus.AWAITING_VERIFICATION);
    // The first tenant frees the subdomain while its workflow still runs (undoing its steps).
    registry.transition(firstId, List.of(TenantStatus.AWAITING_VERIFICATION), TenantStatus.FAILED);
    UUID second = insertedButNeverStarted(sub);

    ProvisioningStarter.Scan scan = starter.scan(Duration.ZERO);

    assertThat(scan.released()).isEqualTo(1);
    assertThat(status(second)).isEqualTo(TenantStatus.FAILED);
    assertThat(starts.isPending(second)).isFalse();
    assertThat(registry.findLiveBySubdomain(sub)).isEmpty();
    assertThat(workflows.memo(WorkflowIds.provision(sub), "tenant_id")).isEqualTo(first);
  }

  @Test
  void aCancelledTenantsRequestIsDroppedNotStarted() {
    String sub = unique("gone");
    UUID id = insertedButNeverStarted(sub);
    registry.transition(id, List.of(TenantStatus.PROVISIONING), TenantStatus.FAILED);

    assertThat(starter.scan(Duration.ZERO).started()).isZero();
    assertThat(starts.isPending(id)).isFalse();
    assertThat(workflows.exists(WorkflowIds.provision(sub))).isFalse();
  }
}
