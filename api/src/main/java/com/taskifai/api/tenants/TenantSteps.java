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

  /** One step in an API answer. */
  record StepView(String name, String state, Instant startedAt, Instant finishedAt, String error) {}

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
