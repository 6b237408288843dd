package com.taskifai.workflows.imports;

import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.ports.ImportActivities.ReportItem;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.List;
import java.util.UUID;

/**
 * Imports a customer's data (a dump, an export archive, a CSV bundle or a live database) into a new
 * database on the tenant's server, checks it, and swaps it in as a replace restore does: the old
 * database is kept (fenced) for the grace period, then dropped. A bad input ends {@code REFUSED}
 * with its report and changes nothing.
 */
@WorkflowInterface
public interface ImportTenantWorkflow {

  /** The workflow id of an import: {@code tenant-import-<tenant>-<importId>}. */
  static String workflowId(UUID tenantId, String importId) {
    return WorkflowIds.importTenant(tenantId, importId);
  }

  /** What the workflow id of every import of the tenant starts with. */
  static String idPrefix(UUID tenantId) {
    return WorkflowIds.importPrefix(tenantId);
  }

  /**
   * The request. {@code importId} is [a-z0-9]{1,12}; {@code format} as {@code ImportInput}'s;
   * {@code graceSeconds} is how long the retired database is kept.
   */
  record ImportRequest(
      UUID tenantId, String importId, String format, long graceSeconds, String actor) {}

  /** Where an import is: step, the databases, the outcome so far, and a refused input's report. */
  record ImportProgress(
      String step,
      String newDatabase,
      String retiredDatabase,
      String outcome,
      String error,
      List<ReportItem> report) {}

  /**
   * @return {@code IMPORTED} once the retired database is dropped, or {@code REFUSED} (nothing
   *     changed; the report says why)
   */
  @WorkflowMethod
  String importTenant(ImportRequest request);

  @QueryMethod
  ImportProgress progress();

  /** Cuts the grace period short: the retired database is dropped now. */
  @SignalMethod
  void retireNow();
}
