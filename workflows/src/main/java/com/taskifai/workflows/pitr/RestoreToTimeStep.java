package com.taskifai.workflows.pitr;

import com.taskifai.workflows.StepName;

/**
 * The steps a restore to a point in time reports in its progress, in the order they can run: a copy
 * seals the restored database where a replace swaps it in, and a failure runs the undos.
 */
public enum RestoreToTimeStep implements StepName {
  CLAIM_OPERATION,
  PREPARE_POINT_IN_TIME_COPY,
  RESTORE_SCRATCH,
  COPY_FROM_SCRATCH,
  VERIFY_POINT_IN_TIME_COPY,
  SWAP_DATABASE,
  SEAL_RESTORED_COPY,
  UNDO_SWAP_DATABASE,
  UNDO_PREPARE_POINT_IN_TIME_COPY,
  REMOVE_SCRATCH,
  GRACE_PERIOD,
  DROP_RETIRED_DATABASE,
  /** A provider-hosted tenant (Supabase): the provider's own restore of the project in place. */
  RESTORE_BY_PROVIDER
}
