package com.taskifai.activities.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.activities.ActivitiesFixture;
import com.taskifai.registry.TenantOperationKind;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.TenantStatus;
import com.taskifai.workflows.migration.FleetMigrationActivities;
import com.taskifai.workflows.migration.TenantExtensionInput;
import com.taskifai.workflows.migration.TenantMigrationInput;
import com.taskifai.workflows.migration.TenantMigrationResult;
import com.taskifai.workflows.ports.StepInput;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The steps that take a tenant's claim refuse, before they change anything, while another operation
 * holds it: a rollout's migration (skipped as busy, to come back to), an extension, and
 * offboarding's mark_deleting, which then holds the tenant until mark_deleted.
 */
class TenantOperationFenceTest {
  private static final ActivitiesFixture fx = new ActivitiesFixture();
  private final TenantOperations operations = fx.tenants.operations();

  @AfterAll
  static void close() {
    fx.activities.close();
  }

  private static StepInput activeTenant() {
    StepInput in = fx.reserveAndPlace();
    fx.tenants.setStatus(in.tenantId(), TenantStatus.ACTIVE);
    return in;
  }

  @Test
  void aRolloutSkipsATenantAMoveHoldsAsBusyAndLeavesItsSchemaAlone() {
    StepInput in = activeTenant();
    String rollout = "mig-" + UUID.randomUUID().toString().substring(0, 8);
    fx.activities
        .migrations()
        .start(new FleetMigrationActivities.Start(rollout, "99", "test", "{}"));
    assertThat(operations.claim(in.tenantId(), TenantOperationKind.MOVING, "move:local-2:ab"))
        .isEmpty();

    TenantMigrationResult result =
        fx.activities
            .migrations()
            .migrateTenant(new TenantMigrationInput(rollout, in.tenantId(), "99", false));

    assertThat(result.state()).isEqualTo(TenantMigrationResult.BUSY);
    assertThat(result.error()).contains("busy with MOVING (move:local-2:ab)");
    assertThat(fx.tenants.fleetMigrations().schemaVersion(in.tenantId())).isEmpty();
    assertThat(operations.current(in.tenantId()))
        .contains(new TenantOperations.Held("MOVING", "move:local-2:ab"));
    operations.release(in.tenantId(), "move:local-2:ab");
  }

  @Test
  void anExtensionIsRefusedWhileABackupHoldsTheTenantAndForATrial() {
    StepInput in = activeTenant();
    assertThat(operations.claim(in.tenantId(), TenantOperationKind.BACKING_UP, "backup:1"))
        .isEmpty();

    assertThatThrownBy(
            () ->
                fx.activities
                    .migrations()
                    .applyExtension(new TenantExtensionInput(in.tenantId(), "custom_fields", "t")))
        .hasMessageContaining("busy with BACKING_UP (backup:1)");
    assertThat(fx.tenants.fleetMigrations().extensions(in.tenantId())).isEmpty();
    operations.release(in.tenantId(), "backup:1");

    StepInput trial = activeTenant();
    JdbcClient.create(fx.platform.owner())
        .sql("UPDATE tenants SET tier = 'trial' WHERE tenant_id = :id")
        .param("id", trial.tenantId())
        .update();
    assertThatThrownBy(
            () ->
                fx.activities
                    .migrations()
                    .applyExtension(
                        new TenantExtensionInput(trial.tenantId(), "custom_fields", "t")))
        .hasMessageContaining("promote the trial first");
    assertThat(fx.tenants.fleetMigrations().extensions(trial.tenantId())).isEmpty();
    assertThat(operations.current(trial.tenantId())).isEmpty();
  }

  @Test
  void offboardingMarksNoBusyTenantDeletingAndHoldsTheTenantUntilItIsDeleted() {
    StepInput in = activeTenant();
    assertThat(operations.claim(in.tenantId(), TenantOperationKind.RESTORING, "restore:r1"))
        .isEmpty();

    assertThatThrownBy(() -> fx.activities.registry().markDeleting(in))
        .hasMessageContaining("busy with RESTORING (restore:r1)")
        .hasMessageContaining("nothing was deleted");
    assertThat(fx.tenant(in.tenantId()).status()).isEqualTo(TenantStatus.ACTIVE);

    operations.release(in.tenantId(), "restore:r1");
    fx.activities.registry().markDeleting(in);
    fx.activities.registry().markDeleting(in); // a second call is a no-op
    assertThat(fx.tenant(in.tenantId()).status()).isEqualTo(TenantStatus.DELETING);
    assertThat(operations.claim(in.tenantId(), TenantOperationKind.BACKING_UP, "backup:late"))
        .contains(new TenantOperations.Held("OFFBOARDING", "tenant-offboard-" + in.tenantId()));

    fx.activities.registry().markDeleted(in);
    assertThat(fx.tenant(in.tenantId()).status()).isEqualTo(TenantStatus.DELETED);
    assertThat(operations.current(in.tenantId())).isEmpty();
  }
}
