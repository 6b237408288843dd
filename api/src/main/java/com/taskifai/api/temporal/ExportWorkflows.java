package com.taskifai.api.temporal;

import com.taskifai.api.ApiSettings;
import com.taskifai.registry.Tenant;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.export.ExportTenantWorkflow;
import io.temporal.client.WorkflowClient;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The exports API's workflows: start an export and ask one where it is. Every call runs under
 * {@link TemporalCalls}' deadline.
 */
@Component
public class ExportWorkflows {
  private final TemporalCalls calls;
  private final WorkflowClient client;
  private final ApiSettings settings;

  ExportWorkflows(TemporalCalls calls, ApiSettings settings) {
    this.calls = calls;
    this.client = calls.client();
    this.settings = settings;
  }

  /** Starts the export of the tenant's data; returns its workflow id. */
  public String startExport(Tenant t, ExportTenantWorkflow.ExportRequest request) {
    String id = WorkflowIds.export(t.tenantId(), request.exportId());
    ExportTenantWorkflow stub =
        client.newWorkflowStub(
            ExportTenantWorkflow.class,
            TenantWorkflows.tenantOptions(t, id, settings.searchAttributes()).build());
    calls.call("the start of " + id, () -> WorkflowClient.start(stub::export, request));
    return id;
  }

  /** An export's progress; empty when the workflow is gone or does not answer in time. */
  public Optional<ExportTenantWorkflow.ExportProgress> progress(String workflowId) {
    ExportTenantWorkflow stub = client.newWorkflowStub(ExportTenantWorkflow.class, workflowId);
    return calls.query(workflowId, stub::progress);
  }
}
