package com.taskifai.api.temporal;

/**
 * Temporal refused a start because a workflow with the same id runs already (the id is the business
 * key, so this is usually a second request for the same thing).
 */
public class WorkflowAlreadyRunning extends RuntimeException {
  private final String workflowId;

  WorkflowAlreadyRunning(String workflowId, Throwable cause) {
    super("workflow " + workflowId + " runs already", cause);
    this.workflowId = workflowId;
  }

  public String workflowId() {
    return workflowId;
  }
}
