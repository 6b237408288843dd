package com.taskifai.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.registry.TenantOperationKind;
import com.taskifai.registry.TenantOperations;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.ports.BackupActivities;
import com.taskifai.workflows.ports.TenantOperationActivities;
import io.temporal.common.metadata.POJOActivityInterfaceMetadata;
import io.temporal.common.metadata.POJOActivityMethodMetadata;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The one way a step claims a tenant: the work runs under the claim and the claim ends however the
 * work ends; a tenant another operation holds is refused before the work starts, and that claim
 * stays. The claim's activity type names are those in running workflows' histories.
 */
class OperationClaimsTest {
  private static final ActivitiesFixture fx = new ActivitiesFixture();
  private final TenantOperations operations = fx.tenants.operations();
  private final OperationClaims claims = new OperationClaims(operations);

  @AfterAll
  static void close() {
    fx.activities.close();
  }

  @Test
  void theWorkRunsUnderTheClaimAndTheClaimEndsWhenTheWorkFails() {
    UUID tenantId = fx.reserveAndPlace().tenantId();

    assertThatThrownBy(
            () ->
                claims.whileClaimed(
                    tenantId,
                    TenantOperationKind.INVITING_ADMIN,
                    "invite:1",
                    null,
                    () -> {
                      assertThat(operations.current(tenantId))
                          .contains(new TenantOperations.Held("INVITING_ADMIN", "invite:1"));
                      throw new IllegalStateException("the mail server went away");
                    }))
        .hasMessage("the mail server went away");

    assertThat(operations.current(tenantId)).isEmpty();
  }

  @Test
  void aTenantAnotherOperationHoldsIsRefusedBeforeTheWorkStartsAndItsClaimStays() {
    UUID tenantId = fx.reserveAndPlace().tenantId();
    assertThat(operations.claim(tenantId, TenantOperationKind.MOVING, "move:local-2:ab")).isEmpty();
    AtomicBoolean ran = new AtomicBoolean();

    assertThatThrownBy(
            () ->
                claims.whileClaimed(
                    tenantId,
                    TenantOperationKind.ENABLING_EXTENSION,
                    "extension:1",
                    "enable the extension again when it ends",
                    () -> ran.getAndSet(true)))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(FailureType.INVALID_STATE.name());
              assertThat(f.isNonRetryable()).isTrue();
            })
        .hasMessageContaining(
            "tenant "
                + tenantId
                + " is busy with MOVING (move:local-2:ab): enable the extension again when it"
                + " ends");

    assertThat(ran).isFalse();
    assertThat(operations.current(tenantId))
        .contains(new TenantOperations.Held("MOVING", "move:local-2:ab"));
    operations.release(tenantId, "move:local-2:ab");
  }

  @Test
  void theClaimActivitiesKeepTheirTypeNamesOnTheBackupStubTheWorkflowsUse() {
    List<String> claimTypes = List.of("claim_operation", "release_operation");

    assertThat(typeNames(TenantOperationActivities.class)).containsExactlyElementsOf(claimTypes);
    assertThat(typeNames(BackupActivities.class)).containsAll(claimTypes);
  }

  private static List<String> typeNames(Class<?> activityInterface) {
    return POJOActivityInterfaceMetadata.newInstance(activityInterface)
        .getMethodsMetadata()
        .stream()
        .map(POJOActivityMethodMetadata::getActivityTypeName)
        .sorted()
        .toList();
  }
}
