package com.taskifai.api.tenants;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.google.protobuf.Timestamp;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.MarkerRecordedEventAttributes;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DataConverterException;
import io.temporal.common.converter.DefaultDataConverter;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * A workflow's history as a timeline of steps: each activity (local ones too) with its scheduled,
 * started and finished times and outcome, plus timers, signals and the workflow's own start and
 * end. Payloads (inputs and results) are left out on purpose.
 *
 * <p>{@link #RULES} says, per event type, how an event opens, updates or closes an entry; an event
 * type without a rule (workflow tasks, version markers) says nothing an admin needs.
 */
final class WorkflowTimeline {
  private static final int MAX_ERROR = 300;

  /** The marker name the Java SDK gives the record of a local activity. */
  static final String LOCAL_ACTIVITY_MARKER = "LocalActivity";

  /**
   * The only marker details the timeline reads: the activity type, and the attempt, first schedule
   * time and back-off in its metadata. The input and result details are never decoded.
   */
  private static final String MARKER_TYPE = "type";

  private static final String MARKER_META = "meta";

  /**
   * The SDK writes the marker's own details with its standard converter, whatever converter the
   * workflow's payloads use, so they are read back with the same one.
   */
  private static final DataConverter MARKER_DETAILS = DefaultDataConverter.STANDARD_INSTANCE;

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

  /** How one event changes the timeline being built. */
  @FunctionalInterface
  private interface Rule {
    void apply(HistoryEvent event, Instant at, Builder timeline);
  }

  private static final Map<EventType, Rule> RULES = rules();

  private static Map<EventType, Rule> rules() {
    Map<EventType, Rule> r = new EnumMap<>(EventType.class);
    r.put(
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
        (e, at, t) -> {
          t.type = e.getWorkflowExecutionStartedEventAttributes().getWorkflowType().getName();
          t.started = at;
        });
    r.put(
        EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
        (e, at, t) ->
            t.open(
                e.getEventId(),
                new Entry(
                    "activity",
                    e.getActivityTaskScheduledEventAttributes().getActivityType().getName(),
                    at,
                    null,
                    null,
                    "scheduled",
                    0,
                    null)));
    r.put(
        EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
        (e, at, t) -> {
          var a = e.getActivityTaskStartedEventAttributes();
          t.update(
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
        });
    r.put(
        EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
        (e, at, t) ->
            t.finish(
                e.getActivityTaskCompletedEventAttributes().getScheduledEventId(),
                at,
                "completed",
                null));
    r.put(
        EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
        (e, at, t) -> {
          var a = e.getActivityTaskFailedEventAttributes();
          t.finish(a.getScheduledEventId(), at, "failed", message(a.getFailure()));
        });
    r.put(
        EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
        (e, at, t) -> {
          var a = e.getActivityTaskTimedOutEventAttributes();
          t.finish(a.getScheduledEventId(), at, "timed_out", message(a.getFailure()));
        });
    r.put(
        EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED,
        (e, at, t) ->
            t.finish(
                e.getActivityTaskCanceledEventAttributes().getScheduledEventId(),
                at,
                "cancelled",
                null));
    r.put(EventType.EVENT_TYPE_MARKER_RECORDED, WorkflowTimeline::localActivity);
    r.put(
        EventType.EVENT_TYPE_TIMER_STARTED,
        (e, at, t) -> {
          if (t.backoffTimerNext) {
            t.backoffTimerNext = false;
            return;
          }
          t.open(
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
        });
    r.put(
        EventType.EVENT_TYPE_TIMER_FIRED,
        (e, at, t) ->
            t.finish(e.getTimerFiredEventAttributes().getStartedEventId(), at, "fired", null));
    r.put(
        EventType.EVENT_TYPE_TIMER_CANCELED,
        (e, at, t) ->
            t.finish(
                e.getTimerCanceledEventAttributes().getStartedEventId(), at, "cancelled", null));
    r.put(
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
        (e, at, t) ->
            t.open(
                e.getEventId(),
                new Entry(
                    "signal",
                    e.getWorkflowExecutionSignaledEventAttributes().getSignalName(),
                    at,
                    at,
                    at,
                    "received",
                    0,
                    null)));
    r.put(
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED,
        (e, at, t) ->
            t.open(
                e.getEventId(),
                new Entry("cancel_request", "cancel requested", at, at, at, "received", 0, null)));
    r.put(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, closes("COMPLETED"));
    r.put(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, closes("FAILED"));
    r.put(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED, closes("CANCELED"));
    r.put(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, closes("TERMINATED"));
    r.put(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT, closes("TIMED_OUT"));
    r.put(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, closes("CONTINUED_AS_NEW"));
    return r;
  }

  static Timeline of(String workflowId, WorkflowExecutionHistory history) {
    Builder timeline = new Builder();
    for (HistoryEvent e : history.getEvents()) {
      Rule rule = RULES.get(e.getEventType());
      if (rule != null) {
        rule.apply(e, instant(e.getEventTime()), timeline);
      }
    }
    String runId = history.getEvents().isEmpty() ? null : history.getWorkflowExecution().getRunId();
    return new Timeline(
        workflowId,
        runId,
        timeline.type,
        timeline.status,
        timeline.started,
        timeline.closed,
        List.copyOf(timeline.entries.values()));
  }

  private static Rule closes(String status) {
    return (e, at, t) -> {
      t.status = status;
      t.closed = at;
    };
  }

  /**
   * A local activity: the SDK records no scheduled, started or completed events for it, only a
   * marker once it has ended. Its first schedule time and attempt come from the marker's metadata,
   * its end is the marker's event time (the marker's own "time" detail is the workflow's clock at
   * the start of the workflow task, often before the activity was scheduled); it starts on the
   * worker at once, without a queue. A marker with a back-off is a failed round that the SDK
   * retries after a timer of its own: the marker of the last round stands for the step, as the
   * completion of an activity does, and that timer is no entry.
   */
  private static void localActivity(HistoryEvent e, Instant at, Builder t) {
    MarkerRecordedEventAttributes marker = e.getMarkerRecordedEventAttributes();
    if (!LOCAL_ACTIVITY_MARKER.equals(marker.getMarkerName())) {
      return;
    }
    String name = detail(marker, MARKER_TYPE, String.class);
    if (name == null) {
      return;
    }
    Meta meta = detail(marker, MARKER_META, Meta.class);
    if (meta != null && meta.backoff() != null) {
      t.backoffTimerNext = true;
      return;
    }
    Instant scheduled =
        meta == null || meta.firstScheduled() <= 0
            ? at
            : Instant.ofEpochMilli(meta.firstScheduled());
    Instant finished = at.isBefore(scheduled) ? scheduled : at;
    int attempt = meta == null || meta.attempt() <= 0 ? 1 : meta.attempt();
    String outcome = "completed";
    String error = null;
    if (marker.hasFailure()) {
      Failure failure = marker.getFailure();
      outcome = failure.hasCanceledFailureInfo() ? "cancelled" : "failed";
      // The SDK wraps the activity's own failure in one that only says a local activity failed.
      Failure own =
          failure.hasActivityFailureInfo() && failure.hasCause() ? failure.getCause() : failure;
      error = failure.hasCanceledFailureInfo() ? null : message(own);
    }
    t.open(
        e.getEventId(),
        new Entry("local_activity", name, scheduled, scheduled, finished, outcome, attempt, error));
  }

  /** One marker detail by key, or null when it is absent or not of the expected shape. */
  private static <T> T detail(MarkerRecordedEventAttributes marker, String key, Class<T> type) {
    Payloads payloads = marker.getDetailsMap().get(key);
    if (payloads == null) {
      return null;
    }
    try {
      return MARKER_DETAILS.fromPayloads(0, Optional.of(payloads), type, type);
    } catch (DataConverterException unreadable) {
      return null;
    }
  }

  /** The part of a local activity marker's metadata the timeline shows. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record Meta(
      @JsonProperty("firstSkd") long firstScheduled,
      @JsonProperty("atpt") int attempt,
      @JsonProperty("backoff") Double backoff) {}

  /** The timeline while events are applied: entries keyed by the event that opened them. */
  private static final class Builder {
    private final Map<Long, Entry> entries = new LinkedHashMap<>();
    private String type;
    private String status = "RUNNING";
    private Instant started;
    private Instant closed;

    /** Set by a local activity's failed round: the next timer is the SDK's back-off. */
    private boolean backoffTimerNext;

    void open(long eventId, Entry entry) {
      entries.put(eventId, entry);
    }

    void update(long eventId, UnaryOperator<Entry> change) {
      entries.computeIfPresent(eventId, (id, was) -> change.apply(was));
    }

    void finish(long eventId, Instant at, String outcome, String error) {
      update(
          eventId,
          x ->
              new Entry(
                  x.kind(),
                  x.name(),
                  x.scheduledAt(),
                  x.startedAt(),
                  at,
                  outcome,
                  x.attempt(),
                  error));
    }
  }

  private static String message(Failure failure) {
    String m = failure.getMessage();
    return m.length() > MAX_ERROR ? m.substring(0, MAX_ERROR) + "…" : m;
  }

  private static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }
}
