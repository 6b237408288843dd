package com.taskifai.workflows.move;

import com.taskifai.workflows.StepName;
import java.util.List;

/**
 * The steps an online move adds to a move's ({@link MoveStep}), and the order of all of them when
 * the move copies with logical replication. The dump path's steps and names stay as they are.
 */
public enum OnlineMoveStep implements StepName {
  COPY_SCHEMA,
  START_REPLICATION("undo_start_replication"),
  CATCH_UP,
  AWAIT_ZERO_LAG,
  SET_SEQUENCES,
  STOP_REPLICATION;

  /** Every step of an online move, in order (public names: progress, audit, fault injection). */
  public static final List<String> ONLINE_STEPS =
      List.of(
          MoveStep.CLAIM_OPERATION.stepName(),
          MoveStep.CHECK_MOVE.stepName(),
          MoveStep.PREPARE_MOVE_TARGET.stepName(),
          COPY_SCHEMA.stepName(),
          START_REPLICATION.stepName(),
          CATCH_UP.stepName(),
          MoveStep.HOLD_WRITES.stepName(),
          AWAIT_ZERO_LAG.stepName(),
          SET_SEQUENCES.stepName(),
          MoveStep.VERIFY_COPY.stepName(),
          MoveStep.SWAP_SERVER.stepName(),
          MoveStep.RELEASE_OPERATION.stepName(),
          STOP_REPLICATION.stepName(),
          MoveStep.GRACE_PERIOD.stepName(),
          MoveStep.RETIRE_SOURCE.stepName());

  private final String undoName;

  OnlineMoveStep() {
    this(null);
  }

  OnlineMoveStep(String undoName) {
    this.undoName = undoName;
  }

  /** The public name of the step's undo, or null when it has none. */
  public String undoName() {
    return undoName;
  }
}
