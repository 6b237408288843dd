package com.taskifai.workflows.saga;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/** The state of one saga step; its lower-case {@link #value()} is what the API shows. */
public enum StepState {
  PENDING,
  RUNNING,
  DONE,
  FAILED,
  COMPENSATED;

  /** The public name, such as {@code done}. */
  @JsonValue
  public String value() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The state with this public name (either case). */
  @JsonCreator
  public static StepState of(String value) {
    return Arrays.stream(values())
        .filter(s -> s.value().equalsIgnoreCase(value))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown step state " + value));
  }
}
