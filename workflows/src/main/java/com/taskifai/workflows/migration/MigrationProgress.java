package com.taskifai.workflows.migration;

/**
 * Where a rollout stands: phase TEMPLATES, CANARIES, FLEET or DONE; state RUNNING, PAUSED,
 * COMPLETED, ABORTED or FAILED with its reason; the tenants running now and the counts so far.
 */
public record MigrationProgress(
    String migrationId,
    String targetVersion,
    String phase,
    String state,
    String reason,
    int running,
    int done,
    int failed,
    int skipped) {}
