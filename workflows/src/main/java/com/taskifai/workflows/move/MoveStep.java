package com.taskifai.workflows.move;

import com.taskifai.workflows.StepName;

/** The steps of a move, in order, with the undo of the two that have one. */
public enum MoveStep implements StepName {
  CLAIM_OPERATION,
  CHECK_MOVE,
  PREPARE_MOVE_TARGET("undo_prepare_move_target"),
  HOLD_WRITES("undo_hold_writes"),
  COPY_DATABASE,
  VERIFY_COPY,
  SWAP_SERVER,
  RELEASE_OPERATION,
  GRACE_PERIOD,
  RETIRE_SOURCE;

  private final String undoName;

  MoveStep() {
    this(null);
  }

  MoveStep(String undoName) {
    this.undoName = undoName;
  }

  /** The public name of the step's undo, or null when it has none. */
  public String undoName() {
    return undoName;
  }
}
