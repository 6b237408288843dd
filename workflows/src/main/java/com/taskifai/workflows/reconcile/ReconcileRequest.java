package com.taskifai.workflows.reconcile;

import java.time.Duration;

/**
 * How to run the reconciler.
 *
 * @param actor who asked: an admin's e-mail, or {@code platform:schedule}
 * @param repeatEvery null for one run now; otherwise the run waits this long, reconciles, and
 *     continues as new with the same request (the timer loop used where the server has no
 *     schedules)
 */
public record ReconcileRequest(String actor, Duration repeatEvery) {}
