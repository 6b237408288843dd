package com.taskifai.workflows.migration;

import java.util.List;
import java.util.UUID;

/**
 * A rollout's state across continue-as-new: the resolved target, the phase, the fleet cursor (the
 * last tenant id listed), the counts, the pause/abort flags, the tenants to come back to because
 * another operation held them and the shared trial databases that failed (null in carries of
 * earlier runs).
 */
public record MigrationCarry(
    String target,
    String phase,
    UUID cursor,
    int done,
    int failed,
    int skipped,
    boolean paused,
    String pauseReason,
    boolean aborted,
    int failedWhenResumed,
    List<MigrationTarget> busy,
    String trialFailures) {

  /** The tenants another operation held when their turn came (none in a carry before they were). */
  @Override
  public List<MigrationTarget> busy() {
    return busy == null ? List.of() : busy;
  }
}
