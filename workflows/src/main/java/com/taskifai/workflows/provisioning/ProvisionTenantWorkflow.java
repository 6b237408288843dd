package com.taskifai.workflows.provisioning;

import com.taskifai.workflows.TaskQueues;
import com.taskifai.workflows.WorkflowIds;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Takes one tenant from requested to active, step by step (see {@link
 * com.taskifai.workflows.Step}), undoing every finished step in reverse order when a later one
 * fails for good or the workflow is cancelled.
 */
@WorkflowInterface
public interface ProvisionTenantWorkflow {
  /**
   * The platform task queue, kept for callers written before {@link TaskQueues}.
   *
   * @deprecated use {@link TaskQueues#PLATFORM}
   */
  @Deprecated String TASK_QUEUE = TaskQueues.PLATFORM;

  /** The workflow id: one provisioning per subdomain at a time ({@link WorkflowIds}). */
  static String workflowId(String subdomain) {
    return WorkflowIds.provision(subdomain);
  }

  @WorkflowMethod
  ProvisioningResult provision(ProvisionTenantRequest request);

  /** The admin verified the e-mail address; the workflow goes on to activation. */
  @SignalMethod(name = "email_verified")
  void emailVerified(EmailVerified signal);

  /** Status and per-step progress, for the API and the portal. */
  @QueryMethod(name = "progress")
  ProvisioningProgress progress();
}
