package com.taskifai.workflows.backup;

import com.taskifai.workflows.StepName;
import com.taskifai.workflows.ports.BackupActivities;
import com.taskifai.workflows.ports.BackupActivities.BackupInput;
import com.taskifai.workflows.ports.BackupActivities.RestoreTarget;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * The tail every copy-and-swap workflow shares once its new database is verified (a backup restore,
 * a restore to a point in time, an import): {@code replace} swaps the copy in with swap_database,
 * {@code copy} seals it with seal_restored_copy; a failure before that lifts the fence a swap may
 * have set (undo_swap_database) and drops the new database; after the operation is released, a
 * durable timer for the grace period (or {@link #retireNow}) and drop_retired_database.
 *
 * <p>It also holds what the workflow's progress query answers (step, new and retired database,
 * outcome, error), so each workflow reports the tail the same way. Made in the workflow's
 * constructor or field initializer, on the workflow's own stub; every command it issues is the one
 * the workflows issued before it existed, in the same order, so their recorded histories replay. A
 * workflow whose shipped histories predate a command passes its {@code Workflow.getVersion} gate.
 */
public final class SwapAndRetire {

  /**
   * The workflow's names for the tail's steps (its own step enum's constants).
   *
   * @param undoPrepare the step that drops the new database after a failure
   */
  public record Steps(
      StepName swap,
      StepName seal,
      StepName undoSwap,
      StepName undoPrepare,
      StepName gracePeriod,
      StepName dropRetired) {}

  /** A gate that is always open: for a workflow whose every history has the command. */
  public static final BooleanSupplier ALWAYS = () -> true;

  private final BackupActivities activities;
  private final Steps steps;
  private String step;
  private String newDatabase;
  private String retiredDatabase;
  private String outcome = "RUNNING";
  private String error;
  private boolean retireNow;

  /**
   * @param activities the workflow's stub for the short backup steps (swap, seal, undo, drop)
   * @param steps the workflow's names for the tail's steps
   * @param first the step the progress reports before the workflow runs
   */
  public SwapAndRetire(BackupActivities activities, Steps steps, StepName first) {
    this.activities = activities;
    this.steps = steps;
    this.step = first.stepName();
  }

  /** The workflow is at {@code next} (one of its own steps before the tail). */
  public void at(StepName next) {
    step = next.stepName();
  }

  /** The new database the workflow made and fills; the tail seals, swaps in or drops it. */
  public void madeNewDatabase(String database) {
    newDatabase = database;
  }

  /**
   * For {@code replace} swaps the verified copy in (the old database becomes the retired one); for
   * a copy seals it, when {@code sealGate} says the history has that step.
   */
  public void swapOrSeal(
      boolean replace, BackupInput input, RestoreTarget target, BooleanSupplier sealGate) {
    if (replace) {
      at(steps.swap());
      activities.swapDatabase(input, target);
      retiredDatabase = target.currentDatabase();
    } else if (sealGate.getAsBoolean()) {
      at(steps.seal());
      activities.sealRestoredCopy(input, newDatabase);
    }
  }

  /**
   * After {@code failure} between the new database and the end of {@link #swapOrSeal}: records it,
   * lifts the fence a failed swap may have set (when {@code undoSwapGate} says the history has that
   * step) and drops the new database. The caller rethrows the failure.
   */
  public void undo(
      ActivityFailure failure,
      BackupInput input,
      RestoreTarget target,
      BooleanSupplier undoSwapGate) {
    failed(failure);
    if (steps.swap().stepName().equals(step) && undoSwapGate.getAsBoolean()) {
      // swap_database may have fenced the old database before it failed.
      at(steps.undoSwap());
      activities.undoSwapDatabase(input, target);
    }
    at(steps.undoPrepare());
    activities.dropRetiredDatabase(input.tenantId(), newDatabase);
  }

  /** Records {@code failure} as the outcome and error the progress reports. */
  public void failed(ActivityFailure failure) {
    error = BackupPolicies.reason(failure);
    outcome = "FAILED";
  }

  /** The copy is in place (SWAPPED) or sealed beside it (COPIED); returns that outcome. */
  public String succeeded(boolean replace) {
    outcome = replace ? "SWAPPED" : "COPIED";
    return outcome;
  }

  /**
   * After the operation is released: the grace period (cut short by {@link #retireNow}), then
   * drop_retired_database of the retired database (replace) or of the copy.
   */
  public void retireAfterGrace(UUID tenantId, boolean replace, long graceSeconds) {
    at(steps.gracePeriod());
    Workflow.await(Duration.ofSeconds(Math.max(0, graceSeconds)), () -> retireNow);
    at(steps.dropRetired());
    activities.dropRetiredDatabase(tenantId, replace ? retiredDatabase : newDatabase);
    step = StepName.DONE;
  }

  /** Ends the grace period now (the signal of the workflows that use this tail). */
  public void retireNow() {
    retireNow = true;
  }

  public String step() {
    return step;
  }

  public String newDatabase() {
    return newDatabase;
  }

  public String retiredDatabase() {
    return retiredDatabase;
  }

  public String outcome() {
    return outcome;
  }

  public String error() {
    return error;
  }
}
