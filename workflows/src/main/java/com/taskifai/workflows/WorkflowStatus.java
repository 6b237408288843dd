package com.taskifai.workflows;

/**
 * The tenant's status as a workflow sees and reports it (progress query and result). The names are
 * those of the registry's tenant statuses and are part of the API.
 */
public enum WorkflowStatus {
  PROVISIONING,
  AWAITING_VERIFICATION,
  ACTIVE,
  FAILED,
  ROLLBACK_FAILED
}
