package com.taskifai.workflows.imports;

import com.taskifai.workflows.ActivityPolicies;
import com.taskifai.workflows.Outcome;
import com.taskifai.workflows.StepName;
import com.taskifai.workflows.WorkflowAudit;
import com.taskifai.workflows.backup.BackupPolicies;
import com.taskifai.workflows.ports.AuditRecord;
import com.taskifai.workflows.ports.BackupActivities;
import com.taskifai.workflows.ports.BackupActivities.BackupInput;
import com.taskifai.workflows.ports.BackupActivities.RestoreTarget;
import com.taskifai.workflows.ports.ImportActivities;
import com.taskifai.workflows.ports.ImportActivities.ImportInput;
import com.taskifai.workflows.ports.ImportActivities.LoadResult;
import com.taskifai.workflows.ports.ImportActivities.ReportItem;
import com.taskifai.workflows.ports.TenantRegistryActivities;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;

/**
 * claim_operation (RESTORING: the operation gate's states are a closed set, and an import replaces
 * the tenant's database as a restore does), stage_input, prepare_import_copy, load_input,
 * migrate_up, verify_import, then the restore's swap_database; release_operation and discard_input
 * however it ends; a durable timer for the grace period (or {@link #retireNow}); the restore's
 * drop_retired_database. A refused input or any failure before the swap lifts the fence
 * (undo_swap_database) and drops the new database: the tenant is unchanged.
 */
public class ImportTenantWorkflowImpl implements ImportTenantWorkflow {
  private static final Logger log = Workflow.getLogger(ImportTenantWorkflowImpl.class);

  /** Registry writes, checks, swaps and drops. */
  private final BackupActivities short_ =
      Workflow.newActivityStub(BackupActivities.class, ActivityPolicies.FLEET_SHORT);

  private final ImportActivities shortImports =
      Workflow.newActivityStub(ImportActivities.class, ActivityPolicies.FLEET_SHORT);

  /** Staging, loading, migrating and checking a whole database (heartbeating). */
  private final ImportActivities longImports =
      Workflow.newActivityStub(ImportActivities.class, ActivityPolicies.FLEET_LONG);

  private final TenantRegistryActivities registry =
      Workflow.newActivityStub(TenantRegistryActivities.class, ActivityPolicies.FLEET_SHORT);

  private String step = ImportStep.CLAIM_OPERATION.stepName();
  private String newDatabase;
  private String retiredDatabase;
  private String outcome = "RUNNING";
  private String error;
  private List<ReportItem> report = List.of();
  private boolean retireNow;

  /** Ends the import before the swap: the input was refused. */
  private static final class Refused extends RuntimeException {
    Refused() {
      super(null, null, false, false);
    }
  }

  @Override
  public String importTenant(ImportRequest request) {
    String operationId = "import:" + request.importId();
    ImportInput input =
        new ImportInput(request.tenantId(), request.importId(), request.format(), operationId);
    BackupInput swapInput = new BackupInput(request.tenantId(), null, operationId, "import", null);
    audit(request, Outcome.STARTED, Map.of());
    try {
      short_.claimOperation(request.tenantId(), "RESTORING", operationId);
    } catch (ActivityFailure e) {
      // Another operation holds the tenant: nothing was changed, and nothing staged is kept.
      error = BackupPolicies.reason(e);
      outcome = "FAILED";
      audit(request, Outcome.FAILED, Map.of("step", step));
      step = ImportStep.DISCARD_INPUT.stepName();
      shortImports.discardInput(input);
      step = ImportStep.CLAIM_OPERATION.stepName();
      throw e;
    }
    try {
      step = ImportStep.STAGE_INPUT.stepName();
      refuseIf(longImports.stageInput(input));
      step = ImportStep.PREPARE_IMPORT_COPY.stepName();
      RestoreTarget target = shortImports.prepareImportCopy(input);
      newDatabase = target.newDatabase();
      try {
        step = ImportStep.LOAD_INPUT.stepName();
        LoadResult loaded = longImports.loadInput(input, newDatabase);
        refuseIf(loaded.report());
        step = ImportStep.MIGRATE_UP.stepName();
        refuseIf(longImports.migrateUp(input, newDatabase));
        step = ImportStep.VERIFY_IMPORT.stepName();
        refuseIf(longImports.verifyImport(input, newDatabase, loaded.rowCounts()));
        step = ImportStep.SWAP_DATABASE.stepName();
        short_.swapDatabase(swapInput, target);
        retiredDatabase = target.currentDatabase();
      } catch (ActivityFailure | Refused e) {
        log.warn(
            "tenant {}: import stopped at {}; dropping {}", request.tenantId(), step, newDatabase);
        if (ImportStep.SWAP_DATABASE.stepName().equals(step)) {
          // swap_database may have fenced the old database before it failed.
          step = ImportStep.UNDO_SWAP_DATABASE.stepName();
          short_.undoSwapDatabase(swapInput, target);
        }
        step = ImportStep.UNDO_PREPARE_IMPORT_COPY.stepName();
        short_.dropRetiredDatabase(request.tenantId(), newDatabase);
        throw e;
      }
    } catch (Refused e) {
      outcome = "REFUSED";
      error = "the input was refused: see the report";
      audit(request, Outcome.FAILED, Map.of("step", step, "refused", "true"));
      return outcome;
    } catch (ActivityFailure e) {
      error = BackupPolicies.reason(e);
      outcome = "FAILED";
      audit(request, Outcome.FAILED, Map.of("step", step));
      throw e;
    } finally {
      String at = step;
      short_.releaseOperation(request.tenantId(), operationId);
      step = ImportStep.DISCARD_INPUT.stepName();
      shortImports.discardInput(input);
      step = at;
    }
    outcome = "IMPORTED";
    audit(request, Outcome.SUCCEEDED, Map.of());
    step = ImportStep.GRACE_PERIOD.stepName();
    Workflow.await(Duration.ofSeconds(Math.max(0, request.graceSeconds())), () -> retireNow);
    step = ImportStep.DROP_RETIRED_DATABASE.stepName();
    short_.dropRetiredDatabase(request.tenantId(), retiredDatabase);
    step = StepName.DONE;
    return outcome;
  }

  private void refuseIf(List<ReportItem> found) {
    if (found != null && !found.isEmpty()) {
      report = List.copyOf(found);
      throw new Refused();
    }
  }

  @Override
  public ImportProgress progress() {
    return new ImportProgress(step, newDatabase, retiredDatabase, outcome, error, report);
  }

  @Override
  public void retireNow() {
    retireNow = true;
  }

  private void audit(ImportRequest request, Outcome outcome, Map<String, String> detail) {
    Map<String, String> d = new HashMap<>(detail);
    d.put("import_id", request.importId());
    d.put("format", request.format());
    WorkflowAudit.record(
        registry,
        new AuditRecord(
            request.tenantId(),
            request.actor() == null ? "system" : request.actor(),
            "import_tenant",
            null,
            outcome,
            d));
  }
}
