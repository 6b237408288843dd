package com.taskifai.api.tenants;

import com.taskifai.registry.AuditLog;
import com.taskifai.workflows.Step;
import com.taskifai.workflows.provisioning.ProvisioningProgress;
import com.taskifai.workflows.provisioning.StepProgress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
      String outcome = e.outcome() == null ? "" : e.outcome().toLowerCase(Locale.ROOT);
      if (outcome.equals("failed")) {
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
      } else if (kind(outcome, false).equals("done")) {
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
          && (StepProgress.RUNNING.equals(s.state()) || StepProgress.FAILED.equals(s.state()))) {
        marked.add(
            new StepView(
                s.name(), StepProgress.RUNNING, s.startedAt(), null, f.error(), true, f.attempt()));
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
      steps.add(new StepView(s.name(), s.state(), s.startedAt(), s.finishedAt(), s.error()));
    }
    return steps;
  }

  /**
   * Rebuilds the steps from audit rows that name a step: {@code started}, {@code succeeded}, {@code
   * failed}, and rows of {@code undo_<step>} (compensation). Steps without rows are pending.
   */
  static List<StepView> fromAudit(List<AuditLog.Entry> entries, ObjectMapper json) {
    Map<String, StepView> steps = new LinkedHashMap<>();
    for (Step s : Step.values()) {
      steps.put(s.stepName(), new StepView(s.stepName(), StepProgress.PENDING, null, null, null));
    }
    for (AuditLog.Entry e : entries) {
      if (e.step() == null) {
        continue;
      }
      String name = e.step();
      boolean undo = false;
      if (name.startsWith("undo_")) {
        name = name.substring("undo_".length());
        undo = true;
      }
      StepView was = steps.get(name);
      if (was == null) {
        continue;
      }
      String outcome = e.outcome() == null ? "" : e.outcome().toLowerCase(Locale.ROOT);
      StepView now =
          switch (kind(outcome, undo)) {
            case "running" ->
                new StepView(
                    name,
                    StepProgress.RUNNING,
                    was.startedAt() == null ? e.at() : was.startedAt(),
                    null,
                    null);
            case "done" ->
                new StepView(
                    name,
                    StepProgress.DONE,
                    was.startedAt() == null ? e.at() : was.startedAt(),
                    e.at(),
                    null);
            case "failed" ->
                new StepView(
                    name,
                    StepProgress.FAILED,
                    was.startedAt() == null ? e.at() : was.startedAt(),
                    e.at(),
                    reason(e.detailJson(), json).orElse(outcome));
            case "compensated" ->
                new StepView(name, StepProgress.COMPENSATED, was.startedAt(), e.at(), was.error());
            case "compensation_failed" ->
                new StepView(
                    name,
                    StepProgress.FAILED,
                    was.startedAt(),
                    e.at(),
                    "undo failed: " + reason(e.detailJson(), json).orElse(outcome));
            default -> was;
          };
      steps.put(name, now);
    }
    return new ArrayList<>(steps.values());
  }

  private static String kind(String outcome, boolean undo) {
    boolean failed =
        outcome.contains("fail")
            || outcome.contains("error")
            || outcome.contains("timeout")
            || outcome.contains("timed_out");
    if (undo || outcome.contains("compensat")) {
      if (failed) {
        return "compensation_failed";
      }
      return outcome.contains("start") ? "ignore" : "compensated";
    }
    if (failed) {
      return "failed";
    }
    if (outcome.contains("start") || outcome.equals("running")) {
      return "running";
    }
    if (outcome.contains("succe")
        || outcome.equals("done")
        || outcome.equals("ok")
        || outcome.contains("complete")
        || outcome.equals("skipped")
        || outcome.equals("verified")) {
      return "done";
    }
    return "ignore";
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
