package com.taskifai.api.temporal;

import com.taskifai.api.ApiSettings;
import com.taskifai.registry.Tenant;
import com.taskifai.workflows.imports.ImportTenantWorkflow;
import io.temporal.client.WorkflowClient;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The imports API's workflows: start an import, and an import's progress. Every call runs under
 * {@link TemporalCalls}' deadline.
 */
@Component
public class ImportWorkflows {
  private final TemporalCalls calls;
  private final WorkflowClient client;
  private final ApiSettings settings;

  ImportWorkflows(TemporalCalls calls, ApiSettings settings) {
    this.calls = calls;
    this.client = calls.client();
    this.settings = settings;
  }

  /** Starts an import into the tenant; returns its workflow id. */
  public String startImport(Tenant t, ImportTenantWorkflow.ImportRequest request) {
    String id = ImportTenantWorkflow.workflowId(t.tenantId(), request.importId());
    ImportTenantWorkflow stub =
        client.newWorkflowStub(
            ImportTenantWorkflow.class,
            TenantWorkflows.tenantOptions(t, id, settings.searchAttributes()).build());
    calls.call("the start of " + id, () -> WorkflowClient.start(stub::importTenant, request));
    return id;
  }

  /** An import's progress; empty when the workflow is gone or does not answer in time. */
  public Optional<ImportTenantWorkflow.ImportProgress> progress(String workflowId) {
    ImportTenantWorkflow stub = client.newWorkflowStub(ImportTenantWorkflow.class, workflowId);
    return calls.query(workflowId, stub::progress);
  }
}
