package com.taskifai.api.tenants;

import com.taskifai.registry.AuditLog;
import com.taskifai.workflows.Outcome;
import com.taskifai.workflows.Step;
import com.taskifai.workflows.provisioning.ProvisioningProgress;
import com.taskifai.workflows.saga.StepProgress;
import com.taskifai.workflows.saga.StepState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The provisioning steps of a tenant as the API shows them: from the workflow's progress query
 * while it runs, rebuilt from the audit log after.
 */
final class TenantSteps {
  private TenantSteps() {}

  /**
   * One step in an API answer. A step being retried is RUNNING with {@code retrying} set, the
   * number of failed attempts so far and the last attempt's error.
   */
  record StepView(
      String name,
      String state,
      Instant startedAt,
      Instant finishedAt,
      String error,
      boolean retrying,
      Integer failedAttempts) {
    StepView(String name, String state, Instant startedAt, Instant finishedAt, String error) {
      this(name, state, startedAt, finishedAt, error, false, null);
    }
  }

  /** A failed attempt that the workflow retries. */
  private record RetriedFailure(String error, Integer attempt) {}

  /**
   * Marks the steps whose last attempt failed and is being retried (the audit log has a retryable
   * failure of the step and no success after it) as RUNNING and retrying, with the last error. Only
   * for a tenant whose provisioning still runs.
   */
  static List<StepView> withRetries(
      List<StepView> steps, List<AuditLog.Entry> entries, ObjectMapper json) {
    Map<String, RetriedFailure> failing = new LinkedHashMap<>();
    for (AuditLog.Entry e : entries) {
      if (e.step() == null || e.step().startsWith("undo_")) {
        continue;
      }
      Optional<Outcome> outcome = Outcome.of(e.outcome());
      if (outcome.isEmpty()) {
        continue;
      }
      if (outcome.get() == Outcome.FAILED) {
        JsonNode detail = detail(e.detailJson(), json);
        boolean retryable =
            detail == null
                || detail.get("retryable") == null
                || detail.get("retryable").asBoolean();
        if (retryable) {
          JsonNode attempt = detail == null ? null : detail.get("attempt");
          failing.put(
              e.step(),
              new RetriedFailure(
                  reason(e.detailJson(), json).orElse("failed"),
                  attempt != null && attempt.isNumber() ? attempt.asInt() : null));
        } else {
          failing.remove(e.step());
        }
      } else if (outcome.get().stepState(false).orElse(null) == StepState.DONE) {
        failing.remove(e.step());
      }
    }
    if (failing.isEmpty()) {
      return steps;
    }
    List<StepView> marked = new ArrayList<>();
    for (StepView s : steps) {
      RetriedFailure f = failing.get(s.name());
      if (f != null
          && (StepState.RUNNING.value().equals(s.state())
              || StepState.FAILED.value().equals(s.state()))) {
        marked.add(
            new StepView(
                s.name(),
                StepState.RUNNING.value(),
                s.startedAt(),
                null,
                f.error(),
                true,
                f.attempt()));
      } else {
        marked.add(s);
      }
    }
    return marked;
  }

  private static JsonNode detail(String detailJson, ObjectMapper json) {
    if (detailJson == null) {
      return null;
    }
    try {
      return json.readTree(detailJson);
    } catch (RuntimeException e) {
      return null;
    }
  }

  static List<StepView> fromProgress(ProvisioningProgress progress) {
    List<StepView> steps = new ArrayList<>();
    for (StepProgress s : progress.steps()) {
      steps.add(
          new StepView(s.name(), s.state().value(), s.startedAt(), s.finishedAt(), s.error()));
    }
    return steps;
  }

  /**
   * Rebuilds the steps from audit rows that name a step, each {@link Outcome} read as the step
   * state it means (for rows of {@code undo_<step>}: compensated or compensation failed). Steps
   * without rows are pending.
   */
  static List<StepView> fromAudit(List<AuditLog.Entry> entries, ObjectMapper json) {
    Map<String, StepView> steps = new LinkedHashMap<>();
    for (Step s : Step.values()) {
      steps.put(
          s.stepName(), new StepView(s.stepName(), StepState.PENDING.value(), null, null, null));
    }
    for (AuditLog.Entry e : entries) {
      if (e.step() == null) {
        continue;
      }
      boolean undo = e.step().startsWith("undo_");
      String name = undo ? e.step().substring("undo_".length()) : e.step();
      StepView was = steps.get(name);
      if (was == null) {
        continue;
      }
      Optional<StepState> state = Outcome.of(e.outcome()).flatMap(o -> o.stepState(undo));
      if (state.isEmpty()) {
        continue;
      }
      Instant started = was.startedAt() == null ? e.at() : was.startedAt();
      String why = reason(e.detailJson(), json).orElse(e.outcome());
      StepView now =
          switch (state.get()) {
            case RUNNING -> new StepView(name, StepState.RUNNING.value(), started, null, null);
            case DONE -> new StepView(name, StepState.DONE.value(), started, e.at(), null);
            case FAILED ->
                new StepView(
                    name,
                    StepState.FAILED.value(),
                    undo ? was.startedAt() : started,
                    e.at(),
                    undo ? "undo failed: " + why : why);
            case COMPENSATED ->
                new StepView(
                    name, StepState.COMPENSATED.value(), was.startedAt(), e.at(), was.error());
            case PENDING -> was;
          };
      steps.put(name, now);
    }
    return new ArrayList<>(steps.values());
  }

  private static Optional<String> reason(String detailJson, ObjectMapper json) {
    if (detailJson == null) {
      return Optional.empty();
    }
    try {
      JsonNode node = json.readTree(detailJson);
      for (String field : List.of("reason", "error", "message", "failure")) {
        JsonNode v = node.get(field);
        if (v != null && !v.isNull()) {
          return Optional.of(v.isString() ? v.asString() : v.toString());
        }
      }
    } catch (RuntimeException e) {
      // A detail that is not JSON carries no reason.
    }
    return Optional.empty();
  }
}
