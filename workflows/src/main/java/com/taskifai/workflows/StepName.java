package com.taskifai.workflows;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The convention for a workflow's step names: one enum per workflow whose constants implement this.
 * {@link #stepName()} is a public contract (progress JSON, the portal, the audit log, fault
 * injection and, where the step is an activity, the activity type in histories): a constant may be
 * renamed in Java only if its {@code stepName()} stays byte-identical.
 */
public interface StepName {

  /** The step a workflow that has finished reports (moves and restores). */
  String DONE = "done";

  /** The enum constant's name; every enum has it. */
  String name();

  /** The step's public name: the constant's name in lower case, such as {@code copy_database}. */
  default String stepName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The public names of an enum's steps, in declaration order. */
  static <E extends Enum<E> & StepName> List<String> names(Class<E> steps) {
    return Arrays.stream(steps.getEnumConstants()).map(StepName::stepName).toList();
  }
}
