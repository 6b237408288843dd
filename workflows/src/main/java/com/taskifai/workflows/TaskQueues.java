package com.taskifai.workflows;

/**
 * The task queues the platform's workflows and activities run on. The names are part of the
 * deployment contract (workers of an older release poll them), so they never change.
 *
 * <p>Every workflow kind (provisioning, lifecycle, backup and restore, move and drain, migration,
 * extension, promotion, reconciliation, cost sampling) runs on {@link #PLATFORM}: one worker pool
 * serves them all, and the clients (admin API, backup scheduler) start them there.
 */
public final class TaskQueues {

  /** The queue of every platform workflow and its activities. */
  public static final String PLATFORM = "taskifai-platform";

  private TaskQueues() {}
}
