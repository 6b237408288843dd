package com.taskifai.workflows.lifecycle;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Mails the admin of an ACTIVE tenant a new set-password link; earlier links stop working. Workflow
 * id {@code tenant-admin-invite-<tenant id>-<n>}.
 */
@WorkflowInterface
public interface InviteTenantAdminWorkflow {
  @WorkflowMethod
  String invite(TenantOperation operation);
}
