package com.taskifai.workflows.export;

import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.saga.StepProgress;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.List;
import java.util.UUID;

/**
 * Exports one tenant's data as a portable, encrypted archive with a download link that expires.
 * Reads the tenant's database in one snapshot: no write hold, no claim on the tenant.
 */
@WorkflowInterface
public interface ExportTenantWorkflow {

  /** The workflow id of an export: names the tenant and the export. */
  static String workflowId(UUID tenantId, UUID exportId) {
    return WorkflowIds.export(tenantId, exportId);
  }

  /**
   * The request: which tenant, the export's id (its registry row exists), who asked, and how long
   * the first download link works.
   */
  record ExportRequest(UUID tenantId, UUID exportId, String actor, long linkTtlSeconds) {}

  /** Where an export is: the step running (or {@code done}), the outcome so far, every step. */
  record ExportProgress(String step, String outcome, String error, List<StepProgress> steps) {}

  /**
   * @return {@code READY} once the archive is stored and its link issued
   */
  @WorkflowMethod
  String export(ExportRequest request);

  @QueryMethod
  ExportProgress progress();
}
