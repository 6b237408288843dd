package com.taskifai.workflows.imports;

import com.taskifai.workflows.StepName;

/**
 * The steps an import reports in its progress, in the order they can run; a failure or a refused
 * input runs the undos (the swap's fence lifted, the new database dropped).
 */
public enum ImportStep implements StepName {
  CLAIM_OPERATION,
  STAGE_INPUT,
  PREPARE_IMPORT_COPY,
  LOAD_INPUT,
  MIGRATE_UP,
  VERIFY_IMPORT,
  SWAP_DATABASE,
  UNDO_SWAP_DATABASE,
  UNDO_PREPARE_IMPORT_COPY,
  DISCARD_INPUT,
  GRACE_PERIOD,
  DROP_RETIRED_DATABASE
}
