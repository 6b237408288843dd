package com.taskifai.workflows.backup;

import com.taskifai.workflows.StepName;

/**
 * The steps a restore reports in its progress, in the order they can run: a copy seals the restored
 * database where a replace swaps it in, and a failure runs the two undos.
 */
public enum RestoreStep implements StepName {
  CLAIM_OPERATION,
  PREPARE_RESTORE,
  RESTORE_DATABASE,
  VERIFY_RESTORE,
  SWAP_DATABASE,
  SEAL_RESTORED_COPY,
  UNDO_SWAP_DATABASE,
  UNDO_PREPARE_RESTORE,
  GRACE_PERIOD,
  DROP_RETIRED_DATABASE
}
