package com.taskifai.workflows.ports;

import java.util.List;

/** A finished reconciliation, to be saved and audited. */
public record ReconcileReport(
    String workflowId, String actor, List<Orphan> orphans, List<String> problems) {}
