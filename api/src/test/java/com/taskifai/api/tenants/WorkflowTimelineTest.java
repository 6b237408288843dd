package com.taskifai.api.tenants;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.workflows.Step;
import io.temporal.api.failure.v1.ApplicationFailureInfo;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.history.v1.History;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.common.converter.DefaultDataConverter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The timeline of a history the real {@code ProvisionTenantWorkflowImpl} recorded (the workflows
 * module's replay test keeps it current): its short steps are local activities, recorded only as
 * markers.
 */
class WorkflowTimelineTest {

  /** The histories ProvisionTenantWorkflowTest records (-Dtaskifai.recordHistories=true). */
  private static final Path HISTORIES = Path.of("../workflows/src/test/resources/histories");

  private static final Path RECORDED = HISTORIES.resolve("provision-local-steps.json");

  private static final String WORKFLOW_ID = "provision-acme";

  @Test
  void listsEveryProvisioningStepInOrderIncludingTheLocalActivities() throws Exception {
    WorkflowTimeline.Timeline timeline = WorkflowTimeline.of(WORKFLOW_ID, recorded());

    assertThat(timeline.status()).isEqualTo("COMPLETED");
    List<String> steps =
        timeline.entries().stream()
            .filter(e -> e.kind().endsWith("activity"))
            .map(WorkflowTimeline.Entry::name)
            .filter(Step.names()::contains)
            .toList();
    List<String> expected = new ArrayList<>(Step.names());
    // The wait for verification is a signal and a timer, not an activity.
    expected.remove(Step.AWAIT_VERIFICATION.stepName());
    assertThat(steps).containsExactlyElementsOf(expected);
    assertThat(timeline.entries())
        .anySatisfy(e -> assertThat(e.name()).isEqualTo("email_verified"));
  }

  @Test
  void aLocalActivityHasTheShapeOfAnActivityWithItsOwnKind() throws Exception {
    WorkflowTimeline.Entry reserve =
        entry(WorkflowTimeline.of(WORKFLOW_ID, recorded()), "reserve_tenant");

    assertThat(reserve.kind()).isEqualTo("local_activity");
    assertThat(reserve.outcome()).isEqualTo("completed");
    assertThat(reserve.attempt()).isEqualTo(1);
    assertThat(reserve.error()).isNull();
    assertThat(reserve.scheduledAt()).isNotNull();
    assertThat(reserve.startedAt()).isEqualTo(reserve.scheduledAt());
    assertThat(reserve.finishedAt()).isAfterOrEqualTo(reserve.scheduledAt());
  }

  @Test
  void showsNoInputOrResultOfAnyStep() throws Exception {
    String shown = WorkflowTimeline.of(WORKFLOW_ID, recorded()).entries().toString();

    // All of these are in the recorded inputs and results, none is a step's name.
    assertThat(shown)
        .doesNotContain("admin@acme.test")
        .doesNotContain("Acme GmbH")
        .doesNotContain("6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b")
        .doesNotContain("PT168H")
        .doesNotContain("provision_tenant");
  }

  @Test
  void aFailedLocalActivityShowsItsMessageAndLastAttempt() throws Exception {
    WorkflowExecutionHistory failed =
        withMarker(
            "migrate_schema",
            marker ->
                marker.toBuilder()
                    .setMarkerRecordedEventAttributes(
                        marker.getMarkerRecordedEventAttributes().toBuilder()
                            .putDetails(
                                "meta",
                                DefaultDataConverter.STANDARD_INSTANCE
                                    .toPayloads(Map.of("firstSkd", 1796010329793L, "atpt", 3))
                                    .orElseThrow())
                            .setFailure(
                                Failure.newBuilder()
                                    .setMessage("relation \"tasks\" already exists")
                                    .setApplicationFailureInfo(
                                        ApplicationFailureInfo.newBuilder()
                                            .setType("SCHEMA_CONFLICT"))))
                    .build());

    WorkflowTimeline.Entry migrate =
        entry(WorkflowTimeline.of(WORKFLOW_ID, failed), "migrate_schema");

    assertThat(migrate.outcome()).isEqualTo("failed");
    assertThat(migrate.error()).isEqualTo("relation \"tasks\" already exists");
    assertThat(migrate.attempt()).isEqualTo(3);
  }

  @Test
  void aLocalStepThatKeptFailingIsOneEntryWithItsLastAttemptAndItsOwnMessage() throws Exception {
    // apply_rls down: the SDK retried it after workflow timers, one marker per round.
    WorkflowTimeline.Timeline timeline =
        WorkflowTimeline.of(WORKFLOW_ID, recorded("provision-apply-rls-down.json"));

    assertThat(timeline.status()).isEqualTo("COMPLETED");
    assertThat(timeline.entries()).filteredOn(e -> e.name().equals("apply_rls")).hasSize(1);
    WorkflowTimeline.Entry applyRls = entry(timeline, "apply_rls");
    assertThat(applyRls.outcome()).isEqualTo("failed");
    assertThat(applyRls.attempt()).isEqualTo(10);
    assertThat(applyRls.error()).isEqualTo("apply_rls is down");
    assertThat(applyRls.finishedAt()).isAfter(applyRls.scheduledAt());
    // The back-off timers are the SDK's, not the workflow's.
    assertThat(timeline.entries()).noneMatch(e -> e.kind().equals("timer"));
    // After the failed step come the undos, in reverse order.
    assertThat(timeline.entries())
        .extracting(WorkflowTimeline.Entry::name)
        .endsWith(
            "apply_rls",
            "undo_configure_dns",
            "undo_store_credentials",
            "undo_create_database",
            "undo_reserve_tenant");
  }

  @Test
  void aLocalStepThatFailedForGoodShowsTheFailuresOwnMessage() throws Exception {
    WorkflowTimeline.Entry applyRls =
        entry(
            WorkflowTimeline.of(WORKFLOW_ID, recorded("provision-apply-rls-fails.json")),
            "apply_rls");

    assertThat(applyRls.outcome()).isEqualTo("failed");
    assertThat(applyRls.attempt()).isEqualTo(1);
    assertThat(applyRls.error()).isEqualTo("injected fault after apply_rls");
  }

  @Test
  void everyLocalStepEndsNoEarlierThanItWasScheduled() throws Exception {
    assertThat(WorkflowTimeline.of(WORKFLOW_ID, recorded()).entries())
        .filteredOn(e -> e.kind().equals("local_activity"))
        .isNotEmpty()
        .allSatisfy(e -> assertThat(e.finishedAt()).as(e.name()).isAfterOrEqualTo(e.scheduledAt()));
  }

  @Test
  void aHistoryFromBeforeTheLocalStepsListsTheSameStepsAsActivities() throws Exception {
    List<String> steps =
        WorkflowTimeline.of(WORKFLOW_ID, recorded("provision-happy-path.json")).entries().stream()
            .filter(e -> e.kind().equals("activity"))
            .map(WorkflowTimeline.Entry::name)
            .filter(Step.names()::contains)
            .toList();

    List<String> expected = new ArrayList<>(Step.names());
    expected.remove(Step.AWAIT_VERIFICATION.stepName());
    assertThat(steps).containsExactlyElementsOf(expected);
  }

  private static WorkflowTimeline.Entry entry(WorkflowTimeline.Timeline timeline, String name) {
    return timeline.entries().stream()
        .filter(e -> e.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " missing from " + timeline.entries()));
  }

  private static WorkflowExecutionHistory recorded() throws Exception {
    return WorkflowExecutionHistory.fromJson(Files.readString(RECORDED));
  }

  private static WorkflowExecutionHistory recorded(String file) throws Exception {
    return WorkflowExecutionHistory.fromJson(Files.readString(HISTORIES.resolve(file)));
  }

  /** The recorded history with the marker of one local activity changed. */
  private static WorkflowExecutionHistory withMarker(
      String activityType, java.util.function.UnaryOperator<HistoryEvent> change) throws Exception {
    WorkflowExecutionHistory recorded = recorded();
    String typeDetail =
        DefaultDataConverter.STANDARD_INSTANCE.toPayloads(activityType).orElseThrow().toString();
    History.Builder history = History.newBuilder();
    for (HistoryEvent e : recorded.getEvents()) {
      boolean target =
          e.hasMarkerRecordedEventAttributes()
              && e.getMarkerRecordedEventAttributes().containsDetails("type")
              && e.getMarkerRecordedEventAttributes()
                  .getDetailsOrThrow("type")
                  .toString()
                  .equals(typeDetail);
      history.addEvents(target ? change.apply(e) : e);
    }
    return new WorkflowExecutionHistory(
        history.build(), recorded.getWorkflowExecution().getWorkflowId());
  }
}
