package com.taskifai.workflows;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.taskifai.workflows.saga.StepState;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The outcome of an audit row about a workflow step, written by the audit interceptor (each
 * activity's start and end), the registry activities and the workflows (events that are no
 * activity), and read back by the API to rebuild a step's state. {@link #value()} is what the audit
 * log holds.
 */
public enum Outcome {
  STARTED(StepState.RUNNING, null),
  SUCCEEDED(StepState.DONE, StepState.COMPENSATED),
  FAILED(StepState.FAILED, StepState.FAILED),
  /** The admin verified the e-mail address (await_verification). */
  VERIFIED(StepState.DONE, null),
  /** The verification did not come in time (await_verification). */
  TIMEOUT(StepState.FAILED, StepState.FAILED),
  /** The workflow was cancelled while the step ran; the step's failure row follows. */
  CANCELLED(null, null),
  /** undo_reserve_tenant set the tenant FAILED. */
  TENANT_FAILED(StepState.FAILED, null),
  /** Some undo failed for good; the tenant is ROLLBACK_FAILED. */
  ROLLBACK_FAILED(StepState.FAILED, null);

  private final StepState forward;
  private final StepState undo;

  Outcome(StepState forward, StepState undo) {
    this.forward = forward;
    this.undo = undo;
  }

  /** The public name, such as {@code succeeded}. */
  @JsonValue
  public String value() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The outcome with this public name (either case), if any. */
  public static Optional<Outcome> of(String value) {
    return Arrays.stream(values()).filter(o -> o.value().equalsIgnoreCase(value)).findFirst();
  }

  @JsonCreator
  static Outcome fromJson(String value) {
    return of(value).orElseThrow(() -> new IllegalArgumentException("unknown outcome " + value));
  }

  /**
   * What a row with this outcome says about the state of the step it names: for a row of the step
   * itself, or (when {@code undo}) of its {@code undo_<step>} activity, where success means
   * compensated and failure means the compensation failed. Empty when the row changes nothing.
   */
  public Optional<StepState> stepState(boolean undo) {
    return Optional.ofNullable(undo ? this.undo : forward);
  }
}
