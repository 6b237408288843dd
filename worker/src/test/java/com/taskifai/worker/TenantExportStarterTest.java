package com.taskifai.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.registry.TenantExports;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.workflows.TaskQueues;
import com.taskifai.workflows.export.ExportTenantWorkflow;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The worker starts the exports the tenants' own admins asked for on the routed API (rows the
 * router records), once each, with the link TTL of the setting, and never the platform's own
 * requests (the admin API starts those itself, an offboarding runs its final export as a child).
 */
class TenantExportStarterTest {

  /** Stands in for the export: records its request and runs until the test ends. */
  public static class RecordingExport implements ExportTenantWorkflow {
    static final List<ExportRequest> STARTED = new CopyOnWriteArrayList<>();

    @Override
    public String export(ExportRequest request) {
      STARTED.add(request);
      Workflow.sleep(Duration.ofHours(1));
      return "READY";
    }

    @Override
    public ExportProgress progress() {
      return new ExportProgress("write_archive", "RUNNING", null, List.of());
    }
  }

  @Test
  void startsEachTenantRequestOnceAndLeavesThePlatformsRequestsAlone() throws Exception {
    TestPostgres.Platform platform = TestPostgres.platform();
    UUID tenant = UUID.randomUUID();
    new TenantRegistry(platform.platform())
        .reserve(
            new TenantRegistry.Reservation(
                tenant, "exs-" + tenant.toString().substring(0, 8), "Co", "a@exs.test", "eu"));
    TenantExports exports = new TenantExports(platform.platform());
    UUID requested = UUID.randomUUID();
    exports.requestByTenant(requested, tenant, "tenant-admin:a@exs.test");
    UUID platformsOwn = UUID.randomUUID();
    exports.request(platformsOwn, tenant, "ops@taskifai.test");

    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      Worker worker = env.newWorker(TaskQueues.PLATFORM);
      worker.registerWorkflowImplementationTypes(RecordingExport.class);
      env.start();
      Duration ttl = TenantExportStarter.linkTtl(Map.of("TASKIFAI_EXPORT_LINK_TTL", "2h"));
      TenantExportStarter starter = new TenantExportStarter(env.getWorkflowClient(), exports, ttl);

      assertThat(starter.startRequested()).isEqualTo(1);
      // Its workflow runs (the row stays REQUESTED until its first step): not started again.
      assertThat(starter.startRequested()).isZero();

      WorkflowStub stub =
          env.getWorkflowClient()
              .newUntypedWorkflowStub(ExportTenantWorkflow.workflowId(tenant, requested));
      assertThat(stub.describe().getStatus())
          .isEqualTo(
              io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
      // The workflow's first task runs on the test worker's own time.
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (RecordingExport.STARTED.stream().noneMatch(r -> r.exportId().equals(requested))
          && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(RecordingExport.STARTED)
          .filteredOn(r -> r.exportId().equals(requested))
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.actor()).isEqualTo("tenant-admin:a@exs.test");
                assertThat(r.linkTtlSeconds()).isEqualTo(7200);
              });
      assertThatThrownBy(
              () ->
                  env.getWorkflowClient()
                      .newUntypedWorkflowStub(ExportTenantWorkflow.workflowId(tenant, platformsOwn))
                      .describe())
          .isInstanceOf(WorkflowNotFoundException.class);
    }
  }
}
