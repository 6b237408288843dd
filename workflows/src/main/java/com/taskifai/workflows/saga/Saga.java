package com.taskifai.workflows.saga;

import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowLocal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;

/**
 * The mechanics of a saga inside one workflow, deterministic: named steps with their progress, an
 * optional undo per step registered before the step runs (the step may have done its work even when
 * its call failed or timed out), and a rollback that runs the registered undos in reverse order in
 * a detached cancellation scope, so it also runs when the workflow is cancelled. An undo that fails
 * for good does not stop the others; the rollback reports it.
 *
 * <pre>{@code
 * Saga saga = new Saga("booking", List.of("reserve", "charge"));
 * try {
 *   saga.step("reserve", () -> a.reserve(in), "undo_reserve", () -> undo.release(in));
 *   saga.step("charge", () -> a.charge(in));
 * } catch (TemporalFailure failure) {
 *   Saga.Rollback r = saga.rollBack(failure, Saga.Listener.NONE);
 * }
 * }</pre>
 */
public final class Saga {

  private static final int MAX_REASON = 500;
  private static final Logger log = Workflow.getLogger(Saga.class);
  private static final WorkflowLocal<String> CURRENT = WorkflowLocal.withCachedInitial(() -> null);

  private final String name;
  private final Map<String, StepProgress> steps = new LinkedHashMap<>();
  private final List<Undo> undos = new ArrayList<>();
  private String current;
  private String failedStep;
  private String failureReason;

  private record Undo(String step, String name, Runnable action) {}

  /**
   * How a rollback went: the step that failed (null when none ran), why (no secret), whether the
   * workflow was cancelled, and the undos that failed for good ({@code name (reason)}).
   */
  public record Rollback(
      String failedStep, String reason, boolean cancelled, List<String> failedUndos) {
    /** True when every undo ran. */
    public boolean complete() {
      return failedUndos.isEmpty();
    }

    /** One line for a person: the step that failed, why, and the undos that failed (truncated). */
    public String summary() {
      return truncate(
          "step %s failed (%s); compensations that failed: %s"
              .formatted(failedStep, reason, String.join(", ", failedUndos)));
    }
  }

  /** Work a workflow adds to its rollback, inside the detached scope. */
  public interface Listener {
    Listener NONE = new Listener() {};

    /** Before the first undo (for example: record that the workflow was cancelled). */
    default void beforeUndos(Rollback rollback) {}

    /** After the last undo, only when some undo failed for good. */
    default void undosFailed(Rollback rollback) {}
  }

  /**
   * A saga over these step names, in order; every step starts pending.
   *
   * @param name what the saga does, such as {@code provisioning} (reason of a cancellation: {@code
   *     provisioning cancelled})
   */
  public Saga(String name, List<String> stepNames) {
    this.name = name;
    for (String step : stepNames) {
      steps.put(step, new StepProgress(step, StepState.PENDING, null, null, null));
    }
  }

  /**
   * Lays the steps out again in this order, for a workflow that learns its path once it runs: steps
   * that ran keep their progress, new names start pending, pending steps not named are dropped.
   */
  public void plan(List<String> stepNames) {
    Map<String, StepProgress> was = new LinkedHashMap<>(steps);
    steps.clear();
    for (String step : stepNames) {
      StepProgress p = was.remove(step);
      steps.put(step, p != null ? p : new StepProgress(step, StepState.PENDING, null, null, null));
    }
    was.values().stream()
        .filter(p -> p.state() != StepState.PENDING)
        .forEach(p -> steps.put(p.name(), p));
  }

  /** Runs a step that needs no undo (or whose work a later undo removes). */
  public void step(String name, Runnable effect) {
    running(name);
    effect.run();
    finish(name, StepState.DONE, null);
  }

  /** Registers the step's undo, then runs the step. */
  public void step(String name, Runnable effect, String undoName, Runnable undo) {
    undos.add(new Undo(name, undoName, undo));
    step(name, effect);
  }

  /**
   * Runs a step whose failure must not roll the saga back (such as a mail after the work is done):
   * a failed activity marks the step failed and its reason is returned.
   */
  public Optional<String> tryStep(String name, Runnable effect) {
    running(name);
    try {
      effect.run();
      finish(name, StepState.DONE, null);
      return Optional.empty();
    } catch (ActivityFailure failure) {
      String reason = describe(failure);
      finish(name, StepState.FAILED, reason);
      return Optional.of(reason);
    }
  }

  /**
   * Marks the running step failed and runs every registered undo in reverse order in a detached
   * cancellation scope. Undos of steps other than the failed one leave their step compensated; an
   * undo that fails for good marks its step failed and the rollback incomplete.
   */
  public Rollback rollBack(TemporalFailure failure, Listener listener) {
    boolean cancelled = isCancellation(failure);
    String failing = current;
    failedStep = failing;
    failureReason = cancelled ? name + " cancelled" : describe(failure);
    if (failing != null) {
      finish(failing, StepState.FAILED, failureReason);
    }
    log.warn("{}: step {} failed ({}); rolling back", name, failing, failureReason);
    List<String> failedUndos = new ArrayList<>();
    Workflow.newDetachedCancellationScope(
            () -> {
              listener.beforeUndos(new Rollback(failing, failureReason, cancelled, List.of()));
              for (int i = undos.size() - 1; i >= 0; i--) {
                Undo undo = undos.get(i);
                try {
                  undo.action().run();
                  if (!undo.step().equals(failing)) {
                    finish(undo.step(), StepState.COMPENSATED, null);
                  }
                } catch (ActivityFailure undoFailure) {
                  String why = describe(undoFailure);
                  failedUndos.add(undo.name() + " (" + why + ")");
                  finish(
                      undo.step(),
                      StepState.FAILED,
                      truncate("compensation " + undo.name() + " failed: " + why));
                  log.error("compensation {} failed", undo.name());
                }
              }
              if (!failedUndos.isEmpty()) {
                listener.undosFailed(
                    new Rollback(failing, failureReason, cancelled, List.copyOf(failedUndos)));
              }
            })
        .run();
    CURRENT.set(null);
    return new Rollback(failing, failureReason, cancelled, List.copyOf(failedUndos));
  }

  /** The step the saga rolls back from; null before {@link #rollBack}. For undos that record it. */
  public String failedStep() {
    return failedStep;
  }

  /** Why the saga rolls back; null before {@link #rollBack}. */
  public String failureReason() {
    return failureReason;
  }

  /** Every step in order, for the progress query. */
  public List<StepProgress> progress() {
    return List.copyOf(steps.values());
  }

  /**
   * The step the saga of the current workflow runs now, if any; for workflow interceptors (fault
   * injection). Call from workflow code only.
   */
  public static Optional<String> currentStep() {
    return Optional.ofNullable(CURRENT.get());
  }

  private void running(String name) {
    current = name;
    CURRENT.set(name);
    steps.put(name, new StepProgress(name, StepState.RUNNING, now(), null, null));
  }

  private void finish(String name, StepState state, String error) {
    StepProgress was = steps.get(name);
    Instant started = was == null ? null : was.startedAt();
    steps.put(name, new StepProgress(name, state, started, now(), error));
  }

  /** True when the failure is (or wraps) a cancellation. */
  public static boolean isCancellation(Throwable failure) {
    return failure instanceof CanceledFailure || failure.getCause() instanceof CanceledFailure;
  }

  /** A reason fit for the audit log and the API: the failure type and message, never a stack. */
  public static String describe(Throwable failure) {
    Throwable cause =
        failure instanceof ActivityFailure && failure.getCause() != null
            ? failure.getCause()
            : failure;
    String reason;
    if (cause instanceof ApplicationFailure app) {
      reason = app.getType() + ": " + app.getOriginalMessage();
    } else if (cause instanceof TimeoutFailure timeout) {
      reason = "timed out (" + timeout.getTimeoutType() + ")";
    } else if (cause instanceof CanceledFailure) {
      reason = "cancelled";
    } else if (cause instanceof TemporalFailure temporal) {
      reason = temporal.getOriginalMessage();
    } else {
      reason = String.valueOf(cause.getMessage());
    }
    return truncate(reason);
  }

  /** Cuts a text to the length the audit log and the API take. */
  public static String truncate(String text) {
    return text.length() <= MAX_REASON ? text : text.substring(0, MAX_REASON) + "...";
  }

  private static Instant now() {
    return Instant.ofEpochMilli(Workflow.currentTimeMillis());
  }
}
