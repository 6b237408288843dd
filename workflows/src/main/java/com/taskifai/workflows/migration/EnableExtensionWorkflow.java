package com.taskifai.workflows.migration;

import com.taskifai.workflows.WorkflowIds;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.UUID;

/**
 * Enables a schema extension ({@code db/tenant-extensions/<name>}) for one tenant: records it in
 * the registry and applies its migrations after the base ones, with grants and row level security.
 * Every later rollout keeps it applied.
 */
@WorkflowInterface
public interface EnableExtensionWorkflow {

  /** {@code tenant-extension-<tenant>-<name>}. */
  static String workflowId(UUID tenantId, String name) {
    return WorkflowIds.enableExtension(tenantId, name);
  }

  /** Returns the extension's version now applied. */
  @WorkflowMethod
  String enable(TenantExtensionInput input);
}
