package com.taskifai.workflows.export;

import com.taskifai.workflows.ActivityPolicies;
import com.taskifai.workflows.Outcome;
import com.taskifai.workflows.StepName;
import com.taskifai.workflows.WorkflowAudit;
import com.taskifai.workflows.ports.AuditRecord;
import com.taskifai.workflows.ports.ExportActivities;
import com.taskifai.workflows.ports.ExportActivities.ExportInput;
import com.taskifai.workflows.ports.ExportActivities.ExportSummary;
import com.taskifai.workflows.ports.TenantRegistryActivities;
import com.taskifai.workflows.saga.Saga;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Workflow;
import java.util.Map;

/**
 * check_export, write_archive, issue_link. The undo (undo_write_archive: delete the stored object,
 * mark the export FAILED) is registered before the first step, so an export that fails anywhere
 * leaves no object behind and says why.
 */
public class ExportTenantWorkflowImpl implements ExportTenantWorkflow {

  private final ExportActivities checks =
      Workflow.newActivityStub(ExportActivities.class, ActivityPolicies.FLEET_SHORT);

  /** The archive is as long as the data; it heartbeats while it streams. */
  private final ExportActivities archives =
      Workflow.newActivityStub(ExportActivities.class, ActivityPolicies.FLEET_LONG);

  private final TenantRegistryActivities registry =
      Workflow.newActivityStub(TenantRegistryActivities.class, ActivityPolicies.FLEET_SHORT);

  private final Saga saga = new Saga("export", StepName.names(ExportStep.class));
  private String step = ExportStep.CHECK_EXPORT.stepName();
  private String outcome = "RUNNING";
  private String error;

  @Override
  public String export(ExportRequest request) {
    ExportInput input =
        new ExportInput(
            request.tenantId(), request.exportId(), request.actor(), request.linkTtlSeconds());
    audit(request, Outcome.STARTED, Map.of());
    ExportSummary[] summary = new ExportSummary[1];
    try {
      saga.step(
          run(ExportStep.CHECK_EXPORT),
          () -> checks.checkExport(input),
          "undo_write_archive",
          () -> checks.failExport(input, saga.failureReason()));
      saga.step(run(ExportStep.WRITE_ARCHIVE), () -> summary[0] = archives.writeArchive(input));
      saga.step(run(ExportStep.ISSUE_LINK), () -> checks.issueLink(input));
    } catch (TemporalFailure failure) {
      Saga.Rollback rollback = saga.rollBack(failure, Saga.Listener.NONE);
      outcome = "FAILED";
      error = rollback.reason();
      audit(request, Outcome.FAILED, Map.of("step", String.valueOf(rollback.failedStep())));
      throw failure;
    }
    outcome = "READY";
    step = StepName.DONE;
    audit(
        request,
        Outcome.SUCCEEDED,
        Map.of(
            "archive_bytes", Long.toString(summary[0].archiveBytes()),
            "tables", Integer.toString(summary[0].tables()),
            "rows", Long.toString(summary[0].rows())));
    return outcome;
  }

  @Override
  public ExportProgress progress() {
    return new ExportProgress(step, outcome, error, saga.progress());
  }

  private String run(ExportStep next) {
    step = next.stepName();
    return step;
  }

  private void audit(ExportRequest request, Outcome outcome, Map<String, String> detail) {
    var d = new java.util.HashMap<>(detail);
    d.put("export_id", request.exportId().toString());
    WorkflowAudit.record(
        registry,
        new AuditRecord(
            request.tenantId(),
            request.actor() == null ? "system" : request.actor(),
            "export_tenant",
            null,
            outcome,
            d));
  }
}
