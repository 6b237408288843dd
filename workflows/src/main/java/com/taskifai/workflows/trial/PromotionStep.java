package com.taskifai.workflows.trial;

import com.taskifai.workflows.StepName;

/** The steps of a trial's promotion, in order, with the undo of those that have one. */
public enum PromotionStep implements StepName {
  CLAIM_PROMOTION("release_promotion"),
  CREATE_DATABASE("undo_create_database"),
  MIGRATE_SCHEMA,
  APPLY_RLS,
  HOLD_TRIAL_WRITES("undo_hold_trial_writes"),
  COPY_TRIAL_ROWS,
  VERIFY_TRIAL_COPY,
  SWAP_TO_DEDICATED("undo_swap_to_dedicated"),
  DELETE_TRIAL_ROWS;

  private final String undoName;

  PromotionStep() {
    this(null);
  }

  PromotionStep(String undoName) {
    this.undoName = undoName;
  }

  /** The public name of the step's undo, or null when it has none. */
  public String undoName() {
    return undoName;
  }
}
