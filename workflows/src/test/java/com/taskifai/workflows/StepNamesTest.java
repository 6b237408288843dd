package com.taskifai.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.workflows.backup.RestoreStep;
import com.taskifai.workflows.faults.FaultInjection;
import com.taskifai.workflows.migration.RolloutPhase;
import com.taskifai.workflows.move.MoveStep;
import com.taskifai.workflows.move.MoveTenantWorkflow;
import com.taskifai.workflows.move.OnlineMoveStep;
import com.taskifai.workflows.trial.PromoteTenantWorkflow;
import com.taskifai.workflows.trial.PromotionStep;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Step names are public contracts (progress JSON, the portal, the audit log, fault injection,
 * histories): each workflow's step enum still spells them exactly as shipped.
 */
class StepNamesTest {

  @Test
  void provisioningStepsKeepTheirShippedNames() {
    assertThat(StepName.names(Step.class))
        .containsExactly(
            "reserve_tenant",
            "place_database",
            "create_database",
            "store_credentials",
            "configure_dns",
            "migrate_schema",
            "seed_vendor_configs",
            "apply_rls",
            "create_admin_user",
            "send_verification_email",
            "await_verification",
            "activate_tenant",
            "send_welcome_email")
        .isEqualTo(Step.names());
  }

  @Test
  void moveStepsAndTheirUndosKeepTheirShippedNames() {
    assertThat(MoveTenantWorkflow.STEPS)
        .containsExactly(
            "claim_operation",
            "check_move",
            "prepare_move_target",
            "hold_writes",
            "copy_database",
            "verify_copy",
            "swap_server",
            "release_operation",
            "grace_period",
            "retire_source");
    assertThat(Arrays.stream(MoveStep.values()).map(MoveStep::undoName))
        .containsExactly(
            null,
            null,
            "undo_prepare_move_target",
            "undo_hold_writes",
            null,
            null,
            null,
            null,
            null,
            null);
    assertThat(StepName.DONE).isEqualTo("done");
  }

  @Test
  void onlineMoveStepsKeepTheirNamesAndTheDumpPathsAreAmongThem() {
    assertThat(OnlineMoveStep.ONLINE_STEPS)
        .containsExactly(
            "claim_operation",
            "check_move",
            "prepare_move_target",
            "copy_schema",
            "start_replication",
            "catch_up",
            "hold_writes",
            "await_zero_lag",
            "set_sequences",
            "verify_copy",
            "swap_server",
            "release_operation",
            "stop_replication",
            "grace_period",
            "retire_source");
    assertThat(OnlineMoveStep.START_REPLICATION.undoName()).isEqualTo("undo_start_replication");
    OnlineMoveStep.ONLINE_STEPS.forEach(
        step ->
            assertThat(FaultInjection.Fault.parse(step + ":after"))
                .as(step)
                .contains(new FaultInjection.Fault(step, true)));
  }

  @Test
  void promotionStepsAndTheirUndosKeepTheirShippedNames() {
    assertThat(PromoteTenantWorkflow.STEPS)
        .containsExactly(
            "claim_promotion",
            "create_database",
            "migrate_schema",
            "apply_rls",
            "hold_trial_writes",
            "copy_trial_rows",
            "verify_trial_copy",
            "swap_to_dedicated",
            "delete_trial_rows");
    assertThat(Arrays.stream(PromotionStep.values()).map(PromotionStep::undoName))
        .containsExactly(
            "release_promotion",
            "undo_create_database",
            null,
            null,
            "undo_hold_trial_writes",
            null,
            null,
            "undo_swap_to_dedicated",
            null);
  }

  @Test
  void restoreStepsKeepTheirShippedNames() {
    assertThat(StepName.names(RestoreStep.class))
        .containsExactly(
            "claim_operation",
            "prepare_restore",
            "restore_database",
            "verify_restore",
            "swap_database",
            "seal_restored_copy",
            "undo_swap_database",
            "undo_prepare_restore",
            "grace_period",
            "drop_retired_database");
  }

  @Test
  void exportStepsKeepTheirShippedNames() {
    assertThat(StepName.names(com.taskifai.workflows.export.ExportStep.class))
        .containsExactly("check_export", "write_archive", "issue_link");
  }

  @Test
  void rolloutPhasesKeepTheirShippedUpperCaseNames() {
    assertThat(StepName.names(RolloutPhase.class))
        .containsExactly("TEMPLATES", "CANARIES", "FLEET", "DONE");
  }

  @Test
  void faultInjectionNamesEveryMoveImportAndPromotionStepButNoUnknownOne() {
    Stream.of(
            MoveTenantWorkflow.STEPS,
            StepName.names(com.taskifai.workflows.imports.ImportStep.class),
            PromoteTenantWorkflow.STEPS)
        .flatMap(List::stream)
        .forEach(
            step ->
                assertThat(FaultInjection.Fault.parse(step + ":after"))
                    .as(step)
                    .contains(new FaultInjection.Fault(step, true)));
    assertThat(FaultInjection.Fault.parse("copy_rows")).isEmpty();
  }
}
