package com.taskifai.workflows.ports;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/**
 * The fleet reconciler's work: compare what exists on the database servers, in DNS and among the
 * staged secrets with the registry, and remove an orphan an admin names. Nothing here changes a
 * tenant the registry accounts for.
 */
@ActivityInterface
public interface FleetActivities {

  /**
   * Lists the databases and roles named like tenants on every registered database server, the DNS
   * records under the base domain and the staged secrets, and returns those no live tenant owns. A
   * server that cannot be read is reported as a problem; the others are still scanned.
   */
  @ActivityMethod(name = "scan_fleet")
  FleetScan scanFleet();

  /**
   * Tenants left PROVISIONING, AWAITING_VERIFICATION or DELETING for a while whose workflow is not
   * running.
   */
  @ActivityMethod(name = "find_stalled_tenants")
  List<Orphan> findStalledTenants();

  /** Saves the report, writes its audit row, and returns the report's id. */
  @ActivityMethod(name = "record_reconcile_report")
  long recordReport(ReconcileReport report);

  /**
   * Checks again that the thing is still an orphan and removes it; refuses (without changing
   * anything) when a live tenant owns it now or it cannot be removed safely.
   */
  @ActivityMethod(name = "remove_orphan")
  RemovalOutcome removeOrphan(OrphanRemoval removal);
}
