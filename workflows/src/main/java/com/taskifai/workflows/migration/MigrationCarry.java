package com.taskifai.workflows.migration;

import java.util.UUID;

/**
 * A rollout's state across continue-as-new: the resolved target, the phase, the fleet cursor (the
 * last tenant id listed), the counts, the pause/abort flags and the shared trial databases that
 * failed (null in carries of earlier runs).
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
    String trialFailures) {}
