package com.taskifai.api.tenants;

import com.google.protobuf.Timestamp;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.common.WorkflowExecutionHistory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A workflow's history as a timeline of steps: each activity with its scheduled, started and
 * finished times and outcome, plus timers, signals and the workflow's own start and end. Payloads
 * (inputs and results) are left out on purpose.
 */
final class WorkflowTimeline {
  private static final int MAX_ERROR = 300;

  private WorkflowTimeline() {}

  /** The answer of the history endpoint. */
  record Timeline(
      String workflowId,
      String runId,
      String workflowType,
      String status,
      Instant startedAt,
      Instant closedAt,
      List<Entry> entries) {}

  /** One step of the timeline. */
  record Entry(
      String kind,
      String name,
      Instant scheduledAt,
      Instant startedAt,
      Instant finishedAt,
      String outcome,
      int attempt,
      String error) {}

  static Timeline of(String workflowId, WorkflowExecutionHistory history) {
    Map<Long, Entry> byEvent = new LinkedHashMap<>();
    List<Long> order = new ArrayList<>();
    String type = null;
    String status = "RUNNING";
    Instant started = null;
    Instant closed = null;
    for (HistoryEvent e : history.getEvents()) {
      Instant at = instant(e.getEventTime());
      switch (e.getEventType()) {
        case EVENT_TYPE_WORKFLOW_EXECUTION_STARTED -> {
          type = e.getWorkflowExecutionStartedEventAttributes().getWorkflowType().getName();
          started = at;
        }
        case EVENT_TYPE_ACTIVITY_TASK_SCHEDULED -> {
          String name = e.getActivityTaskScheduledEventAttributes().getActivityType().getName();
          put(
              byEvent,
              order,
              e.getEventId(),
              new Entry("activity", name, at, null, null, "scheduled", 0, null));
        }
        case EVENT_TYPE_ACTIVITY_TASK_STARTED -> {
          var a = e.getActivityTaskStartedEventAttributes();
          update(
              byEvent,
              a.getScheduledEventId(),
              x ->
                  new Entry(
                      x.kind(),
                      x.name(),
                      x.scheduledAt(),
                      at,
                      null,
                      "running",
                      a.getAttempt(),
                      null));
        }
        case EVENT_TYPE_ACTIVITY_TASK_COMPLETED ->
            update(
                byEvent,
                e.getActivityTaskCompletedEventAttributes().getScheduledEventId(),
                x -> finish(x, at, "completed", null));
        case EVENT_TYPE_ACTIVITY_TASK_FAILED ->
            update(
                byEvent,
                e.getActivityTaskFailedEventAttributes().getScheduledEventId(),
                x ->
                    finish(
                        x,
                        at,
                        "failed",
                        message(e.getActivityTaskFailedEventAttributes().getFailure())));
        case EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT ->
            update(
                byEvent,
                e.getActivityTaskTimedOutEventAttributes().getScheduledEventId(),
                x ->
                    finish(
                        x,
                        at,
                        "timed_out",
                        message(e.getActivityTaskTimedOutEventAttributes().getFailure())));
        case EVENT_TYPE_ACTIVITY_TASK_CANCELED ->
            update(
                byEvent,
                e.getActivityTaskCanceledEventAttributes().getScheduledEventId(),
                x -> finish(x, at, "cancelled", null));
        case EVENT_TYPE_TIMER_STARTED ->
            put(
                byEvent,
                order,
                e.getEventId(),
                new Entry(
                    "timer",
                    e.getTimerStartedEventAttributes().getTimerId(),
                    at,
                    at,
                    null,
                    "running",
                    0,
                    null));
        case EVENT_TYPE_TIMER_FIRED ->
            update(
                byEvent,
                e.getTimerFiredEventAttributes().getStartedEventId(),
                x -> finish(x, at, "fired", null));
        case EVENT_TYPE_TIMER_CANCELED ->
            update(
                byEvent,
                e.getTimerCanceledEventAttributes().getStartedEventId(),
                x -> finish(x, at, "cancelled", null));
        case EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED ->
            put(
                byEvent,
                order,
                e.getEventId(),
                new Entry(
                    "signal",
                    e.getWorkflowExecutionSignaledEventAttributes().getSignalName(),
                    at,
                    at,
                    at,
                    "received",
                    0,
                    null));
        case EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED ->
            put(
                byEvent,
                order,
                e.getEventId(),
                new Entry("cancel_request", "cancel requested", at, at, at, "received", 0, null));
        case EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED -> {
          status = "COMPLETED";
          closed = at;
        }
        case EVENT_TYPE_WORKFLOW_EXECUTION_FAILED -> {
          status = "FAILED";
          closed = at;
        }
        case EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED -> {
          status = "CANCELED";
          closed = at;
        }
        case EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED -> {
          status = "TERMINATED";
          closed = at;
        }
        case EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT -> {
          status = "TIMED_OUT";
          closed = at;
        }
        case EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW -> {
          status = "CONTINUED_AS_NEW";
          closed = at;
        }
        default -> {
          // Workflow tasks and markers say nothing an admin needs on the timeline.
        }
      }
    }
    List<Entry> entries = new ArrayList<>();
    for (Long id : order) {
      entries.add(byEvent.get(id));
    }
    String runId = history.getEvents().isEmpty() ? null : history.getWorkflowExecution().getRunId();
    return new Timeline(workflowId, runId, type, status, started, closed, entries);
  }

  private static void put(Map<Long, Entry> byEvent, List<Long> order, long id, Entry entry) {
    byEvent.put(id, entry);
    order.add(id);
  }

  private static void update(
      Map<Long, Entry> byEvent, long id, java.util.function.UnaryOperator<Entry> change) {
    Entry was = byEvent.get(id);
    if (was != null) {
      byEvent.put(id, change.apply(was));
    }
  }

  private static Entry finish(Entry x, Instant at, String outcome, String error) {
    return new Entry(
        x.kind(), x.name(), x.scheduledAt(), x.startedAt(), at, outcome, x.attempt(), error);
  }

  private static String message(Failure failure) {
    String m = failure.getMessage();
    return m.length() > MAX_ERROR ? m.substring(0, MAX_ERROR) + "…" : m;
  }

  private static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }
}
