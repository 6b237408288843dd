package com.taskifai.workflows.reconcile;

import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.ports.OrphanRemoval;
import com.taskifai.workflows.ports.RemovalOutcome;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Removes one orphan an admin named, after checking again that it is still one. One workflow id per
 * orphan, so two removals of the same thing do not run at once.
 */
@WorkflowInterface
public interface RemoveOrphanWorkflow {

  static String workflowId(String kind, String name) {
    return WorkflowIds.removeOrphan(kind, name);
  }

  @WorkflowMethod
  RemovalOutcome remove(OrphanRemoval removal);
}
