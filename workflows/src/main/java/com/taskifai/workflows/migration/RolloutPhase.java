package com.taskifai.workflows.migration;

import com.taskifai.workflows.StepName;

/**
 * The phases of a fleet rollout, in order. A phase's public name (progress, the migrations table)
 * is the constant's name itself, in upper case.
 */
public enum RolloutPhase implements StepName {
  TEMPLATES,
  CANARIES,
  FLEET,
  DONE;

  @Override
  public String stepName() {
    return name();
  }
}
