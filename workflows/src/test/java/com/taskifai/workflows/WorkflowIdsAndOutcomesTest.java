package com.taskifai.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.workflows.faults.FaultInjection;
import com.taskifai.workflows.lifecycle.OffboardTenantWorkflow;
import com.taskifai.workflows.ports.AuditRecord;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.saga.StepProgress;
import com.taskifai.workflows.saga.StepState;
import io.temporal.common.converter.DefaultDataConverter;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class WorkflowIdsAndOutcomesTest {

  private static final UUID TENANT = UUID.fromString("6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b");

  @Test
  void everyWorkflowIdIsBuiltInOnePlaceAndToldApartByItsKind() {
    assertThat(ProvisionTenantWorkflow.workflowId("acme")).isEqualTo("tenant-provision-acme");
    assertThat(OffboardTenantWorkflow.workflowId(TENANT)).isEqualTo("tenant-offboard-" + TENANT);
    assertThat(WorkflowIds.suspend(TENANT, 42)).isEqualTo("tenant-suspend-" + TENANT + "-42");
    assertThat(WorkflowIds.reactivate(TENANT, 42)).isEqualTo("tenant-reactivate-" + TENANT + "-42");

    assertThat(WorkflowIds.kindOf(WorkflowIds.provision("acme")))
        .contains(WorkflowIds.Kind.PROVISION);
    assertThat(WorkflowIds.kindOf(WorkflowIds.suspend(TENANT, 1)))
        .contains(WorkflowIds.Kind.SUSPEND);
    assertThat(WorkflowIds.kindOf(WorkflowIds.reactivate(TENANT, 1)))
        .contains(WorkflowIds.Kind.REACTIVATE);
    assertThat(WorkflowIds.kindOf(WorkflowIds.offboard(TENANT)))
        .contains(WorkflowIds.Kind.OFFBOARD);
    assertThat(WorkflowIds.Kind.OFFBOARD.value()).isEqualTo("offboard");
    assertThat(WorkflowIds.kindOf("tenant-provision-")).isEmpty();
    assertThat(WorkflowIds.kindOf("backup-acme")).isEmpty();
    assertThat(WorkflowIds.kindOf(null)).isEmpty();
  }

  @Test
  void outcomesTellTheStateOfTheStepAndOfItsUndo() {
    assertThat(Outcome.of("succeeded").flatMap(o -> o.stepState(false))).contains(StepState.DONE);
    assertThat(Outcome.of("succeeded").flatMap(o -> o.stepState(true)))
        .contains(StepState.COMPENSATED);
    assertThat(Outcome.of("failed").flatMap(o -> o.stepState(true))).contains(StepState.FAILED);
    assertThat(Outcome.of("started").flatMap(o -> o.stepState(false))).contains(StepState.RUNNING);
    assertThat(Outcome.of("started").flatMap(o -> o.stepState(true))).isEmpty();
    assertThat(Outcome.of("TIMEOUT").flatMap(o -> o.stepState(false))).contains(StepState.FAILED);
    assertThat(Outcome.of("cancelled").flatMap(o -> o.stepState(false))).isEmpty();
    // A free text that merely contains "fail" or "succe" is no outcome.
    assertThat(Outcome.of("unfailing")).isEmpty();
    assertThat(Outcome.of("successful")).isEmpty();
  }

  @Test
  void enumsTravelAsTheirLowerCaseNamesLikeTheStringsBefore() {
    var converter = DefaultDataConverter.newDefaultInstance();
    AuditRecord record =
        new AuditRecord(TENANT, "a", "provision", "await_verification", Outcome.VERIFIED, Map.of());
    String json = converter.toPayload(record).orElseThrow().getData().toStringUtf8();
    assertThat(json).contains("\"outcome\":\"verified\"");
    assertThat(
            converter.fromPayload(
                converter.toPayload(record).orElseThrow(), AuditRecord.class, AuditRecord.class))
        .isEqualTo(record);

    StepProgress step =
        new StepProgress("create_database", StepState.COMPENSATED, Instant.EPOCH, null, null);
    String stepJson = converter.toPayload(step).orElseThrow().getData().toStringUtf8();
    assertThat(stepJson).contains("\"state\":\"compensated\"");
    assertThat(
            converter.fromPayload(
                converter.toPayload(step).orElseThrow(), StepProgress.class, StepProgress.class))
        .isEqualTo(step);
  }

  @Test
  void aFaultNamesAStepAndWhetherItFailsBeforeOrAfterItsEffect() {
    assertThat(FaultInjection.Fault.parse("create_database"))
        .contains(new FaultInjection.Fault("create_database", false));
    assertThat(FaultInjection.Fault.parse("create_database:before"))
        .contains(new FaultInjection.Fault("create_database", false));
    assertThat(FaultInjection.Fault.parse("create_database:after"))
        .contains(new FaultInjection.Fault("create_database", true));
    assertThat(FaultInjection.Fault.parse("create_database:stall"))
        .contains(new FaultInjection.Fault("create_database", false, true));
    assertThat(FaultInjection.Fault.parse("drop_everything")).isEmpty();
    assertThat(FaultInjection.Fault.parse("create_database:later")).isEmpty();
    assertThat(FaultInjection.Fault.parse(null)).isEqualTo(Optional.empty());
  }
}
