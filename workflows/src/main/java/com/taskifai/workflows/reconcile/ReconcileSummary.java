package com.taskifai.workflows.reconcile;

import java.util.Map;

/**
 * The result of one run: the id of the saved report, orphans by kind, and how many servers or
 * providers could not be read.
 */
public record ReconcileSummary(long reportId, Map<String, Integer> orphansByKind, int problems) {}
