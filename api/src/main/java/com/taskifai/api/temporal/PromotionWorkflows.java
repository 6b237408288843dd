package com.taskifai.api.temporal;

import com.taskifai.registry.Tenant;
import com.taskifai.workflows.TaskQueues;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.faults.FaultInjection;
import com.taskifai.workflows.trial.PromoteTenantRequest;
import com.taskifai.workflows.trial.PromoteTenantWorkflow;
import com.taskifai.workflows.trial.PromotionProgress;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * The promotion API's workflow: promote a trial and the promotion's progress. Every call runs under
 * {@link TemporalCalls}' deadline.
 */
@Component
public class PromotionWorkflows {
  private final TemporalCalls calls;
  private final WorkflowClient client;

  PromotionWorkflows(TemporalCalls calls) {
    this.calls = calls;
    this.client = calls.client();
  }

  /**
   * Starts the promotion of the trial; {@link WorkflowAlreadyRunning} when one runs already. A
   * fault to inject (tests and demos; null normally) travels in the memo, never in the input.
   * Returns the workflow id.
   */
  public String startPromotion(Tenant t, String actor, String injectFault) {
    String id = WorkflowIds.promote(t.tenantId());
    Map<String, Object> memo = new LinkedHashMap<>(FaultInjection.memo(injectFault));
    memo.put("tenant_id", t.tenantId().toString());
    memo.put("subdomain", t.subdomain());
    memo.put("company_name", t.companyName());
    PromoteTenantWorkflow stub =
        client.newWorkflowStub(
            PromoteTenantWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(id)
                .setTaskQueue(TaskQueues.PLATFORM)
                .setMemo(memo)
                .build());
    calls.call(
        "the start of " + id,
        () ->
            WorkflowClient.start(
                stub::promote, new PromoteTenantRequest(t.tenantId(), t.subdomain(), actor)));
    return id;
  }

  /** The tenant's promotion's progress; empty when none ran or it does not answer in time. */
  public Optional<PromotionProgress> progress(UUID tenantId) {
    String id = WorkflowIds.promote(tenantId);
    PromoteTenantWorkflow stub = client.newWorkflowStub(PromoteTenantWorkflow.class, id);
    return calls.query(id, stub::progress);
  }
}
