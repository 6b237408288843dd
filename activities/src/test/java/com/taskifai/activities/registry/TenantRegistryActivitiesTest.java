package com.taskifai.activities.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.activities.ActivitiesFixture;
import com.taskifai.activities.StagedSecrets;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.workflows.Outcome;
import com.taskifai.workflows.ports.AuditRecord;
import com.taskifai.workflows.ports.DatabasePlacement;
import com.taskifai.workflows.ports.FailureRecord;
import com.taskifai.workflows.ports.ReserveTenantInput;
import com.taskifai.workflows.ports.StepInput;
import io.temporal.failure.ApplicationFailure;
import java.util.Map;
import java.util.UUID;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class TenantRegistryActivitiesTest {
  private static final ActivitiesFixture fx = new ActivitiesFixture();
  private final TenantRegistryActivitiesImpl activities = fx.activities.registry();

  @Test
  void reservesTheTenantOnceWhenCalledTwice() {
    UUID id = UUID.randomUUID();
    String sub = ActivitiesFixture.newSubdomain();
    ReserveTenantInput input =
        new ReserveTenantInput(id, sub, "Acme", "a@acme.test", null, "admin@x");

    activities.reserveTenant(input);
    activities.reserveTenant(input);

    Tenant t = fx.tenant(id);
    assertThat(t.status()).isEqualTo(TenantStatus.PROVISIONING);
    assertThat(t.region()).isEqualTo("local");
    assertThat(fx.tenants.count(null, sub)).isEqualTo(1);
  }

  @Test
  void refusesASubdomainHeldByAnotherLiveTenantNonRetryably() {
    StepInput first = fx.reserve();

    assertFailure(
        () ->
            activities.reserveTenant(
                new ReserveTenantInput(
                    UUID.randomUUID(), first.subdomain(), "Other", "o@x.test", "local", "x")),
        "SUBDOMAIN_TAKEN");
  }

  @Test
  void givesTheSubdomainToANewTenantOnceTheFirstIsReleased() {
    StepInput first = fx.reserve();
    activities.releaseTenant(new FailureRecord(first.tenantId(), "create_database", "disk full"));

    UUID second = UUID.randomUUID();
    activities.reserveTenant(
        new ReserveTenantInput(second, first.subdomain(), "Other", "o@x.test", "local", "x"));

    assertThat(fx.tenant(first.tenantId()).status()).isEqualTo(TenantStatus.FAILED);
    assertThat(fx.tenant(second).status()).isEqualTo(TenantStatus.PROVISIONING);
  }

  @Test
  void releaseRecordsTheReasonAndIsDoneForAMissingOrFailedTenant() {
    StepInput input = fx.reserve();
    FailureRecord failure = new FailureRecord(input.tenantId(), "configure_dns", "zone missing");

    activities.releaseTenant(failure);
    activities.releaseTenant(failure);
    activities.releaseTenant(new FailureRecord(UUID.randomUUID(), "x", "y"));

    assertThat(fx.tenant(input.tenantId()).status()).isEqualTo(TenantStatus.FAILED);
    var rows = fx.audit.query(com.taskifai.registry.AuditLog.Query.forTenant(input.tenantId()));
    assertThat(rows)
        .filteredOn(e -> e.outcome().equals("tenant_failed"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.action()).isEqualTo("compensate");
              assertThat(e.detailJson()).contains("zone missing").contains("configure_dns");
            });
  }

  @Test
  void placesTheDatabaseOnceAndReturnsTheRecordedPlacementOnASecondCall() {
    StepInput input = fx.reserve();

    DatabasePlacement first = activities.placeDatabase(input);
    DatabasePlacement second = activities.placeDatabase(input);

    String hex = input.tenantId().toString().replace("-", "");
    assertThat(first)
        .isEqualTo(new DatabasePlacement(ActivitiesFixture.SERVER_ID, "tenant_" + hex));
    assertThat(second).isEqualTo(first);
    assertThat(fx.tenant(input.tenantId()).databaseServerId())
        .isEqualTo(ActivitiesFixture.SERVER_ID);
  }

  @Test
  void failsWithNoCapacityWhenNoServerServesTheRegion() {
    UUID id = UUID.randomUUID();
    activities.reserveTenant(
        new ReserveTenantInput(
            id, ActivitiesFixture.newSubdomain(), "Acme", "a@x.test", "eu-north-9", "x"));

    assertFailure(() -> activities.placeDatabase(StepInput.of(id, "x")), "NO_CAPACITY");
    assertThat(fx.tenant(id).databaseServerId()).isNull();
  }

  @Test
  void skipsAFullAndADrainingServerAndPlacesOnTheLeastLoadedOpenOneOfTheRegion() {
    var servers = new com.taskifai.registry.DatabaseServers(fx.platform.platform());
    for (String id : new String[] {"west-full", "west-draining", "west-open"}) {
      servers.register(
          fx.cipher,
          new com.taskifai.registry.DatabaseServers.NewServer(
              id,
              "west-9",
              TestPostgres.jdbcUrl("postgres"),
              "postgres",
              TestPostgres.superuserPassword(),
              id.equals("west-full") ? 0 : 5,
              10));
    }
    servers.changeState("west-draining", java.util.Set.of("OPEN"), "DRAINING");
    servers.changeState("west-open", java.util.Set.of("OPEN"), "CLOSED");
    UUID first = UUID.randomUUID();
    activities.reserveTenant(
        new ReserveTenantInput(
            first, ActivitiesFixture.newSubdomain(), "Acme", "a@x.test", "west-9", "x"));

    assertFailure(() -> activities.placeDatabase(StepInput.of(first, "x")), "NO_CAPACITY");
    assertThat(fx.tenant(first).databaseServerId()).isNull();

    servers.changeState("west-open", java.util.Set.of("CLOSED"), "OPEN");
    assertThat(activities.placeDatabase(StepInput.of(first, "x")).serverId())
        .isEqualTo("west-open");
    assertThat(fx.tenant(first).databaseServerId()).isEqualTo("west-open");
  }

  @Test
  void storesTheStagedPasswordEncryptedAndDeletesTheStagedCopy() {
    StepInput input = fx.reserveAndPlace();
    fx.secrets.put(input.tenantId(), StagedSecrets.APP_PASSWORD, "s3cret-pw");

    activities.storeCredentials(input);
    activities.storeCredentials(input);

    Tenant t = fx.tenant(input.tenantId());
    assertThat(t.encryptedDatabaseKey()).doesNotContain("s3cret-pw");
    TenantCredentials c = TenantCredentials.decrypt(fx.cipher, t);
    String hex = input.tenantId().toString().replace("-", "");
    assertThat(c.jdbcUrl()).isEqualTo(TestPostgres.jdbcUrl("tenant_" + hex));
    assertThat(c.username()).isEqualTo("t_" + hex + "_app");
    assertThat(c.password()).isEqualTo("s3cret-pw");
    assertThat(fx.secrets.get(input.tenantId(), StagedSecrets.APP_PASSWORD)).isEmpty();
  }

  @Test
  void storeCredentialsFailsNonRetryablyWhenNothingWasStaged() {
    StepInput input = fx.reserveAndPlace();

    assertFailure(() -> activities.storeCredentials(input), "INVALID_STATE");
  }

  @Test
  void erasingCredentialsTwiceIsDone() {
    StepInput input = fx.reserveAndPlace();
    fx.secrets.put(input.tenantId(), StagedSecrets.APP_PASSWORD, "pw");
    activities.storeCredentials(input);

    activities.eraseCredentials(input);
    activities.eraseCredentials(input);

    assertThat(fx.tenant(input.tenantId()).hasCredentials()).isFalse();
  }

  @Test
  void walksTheLifeCycleAndEachMoveIsSafeToRepeat() {
    StepInput input = fx.reserveAndPlace();
    fx.secrets.put(input.tenantId(), StagedSecrets.APP_PASSWORD, "pw");
    activities.storeCredentials(input);

    activities.markAwaitingVerification(input);
    activities.markAwaitingVerification(input);
    assertThat(fx.tenant(input.tenantId()).status()).isEqualTo(TenantStatus.AWAITING_VERIFICATION);

    activities.markVerified(input);
    var verifiedAt = fx.tenant(input.tenantId()).verifiedAt();
    activities.markVerified(input);
    assertThat(fx.tenant(input.tenantId()).verifiedAt()).isEqualTo(verifiedAt).isNotNull();

    activities.activateTenant(input);
    activities.activateTenant(input);
    assertThat(fx.tenant(input.tenantId()).servesTraffic()).isTrue();

    activities.suspendTenant(input);
    activities.suspendTenant(input);
    assertThat(fx.tenant(input.tenantId()).status()).isEqualTo(TenantStatus.SUSPENDED);
    assertThat(fx.tenant(input.tenantId()).active()).isFalse();

    activities.reactivateTenant(input);
    activities.reactivateTenant(input);
    assertThat(fx.tenant(input.tenantId()).status()).isEqualTo(TenantStatus.ACTIVE);

    activities.markDeleting(input);
    activities.markDeleting(input);
    assertThat(fx.tenant(input.tenantId()).active()).isFalse();

    activities.markDeleted(input);
    activities.markDeleted(input);
    assertThat(fx.tenant(input.tenantId()).status()).isEqualTo(TenantStatus.DELETED);
    assertThat(fx.tenant(input.tenantId()).deletedAt()).isNotNull();
  }

  @Test
  void refusesImpossibleMovesNonRetryably() {
    StepInput input = fx.reserveAndPlace();

    assertFailure(() -> activities.suspendTenant(input), "INVALID_STATE");
    assertFailure(() -> activities.reactivateTenant(input), "INVALID_STATE");
    assertFailure(() -> activities.markDeleted(input), "INVALID_STATE");
    assertFailure(() -> activities.activateTenant(input), "INVALID_STATE"); // no credentials yet
    assertFailure(
        () -> activities.markAwaitingVerification(StepInput.of(UUID.randomUUID(), "gone")),
        "INVALID_STATE");
    assertThat(fx.tenant(input.tenantId()).status()).isEqualTo(TenantStatus.PROVISIONING);
  }

  @Test
  void marksRollbackFailedWithTheFailedCompensationInTheAuditLog() {
    StepInput input = fx.reserveAndPlace();

    activities.markRollbackFailed(
        new FailureRecord(input.tenantId(), "undo_create_database", "server unreachable"));
    activities.markRollbackFailed(
        new FailureRecord(input.tenantId(), "undo_create_database", "server unreachable"));

    assertThat(fx.tenant(input.tenantId()).status()).isEqualTo(TenantStatus.ROLLBACK_FAILED);
    assertThat(fx.auditRows(input.tenantId()))
        .contains("compensate undo_create_database rollback_failed");
  }

  @Test
  void recordsAnAuditRowForAWorkflowEvent() {
    StepInput input = fx.reserve();

    activities.recordAudit(
        new AuditRecord(
            input.tenantId(),
            "workflow:tenant-provision-x",
            "provision",
            "await_verification",
            Outcome.STARTED,
            Map.of("timeout", "P7D")));

    assertThat(fx.auditRows(input.tenantId()))
        .containsExactly("provision await_verification started");
  }

  static void assertFailure(ThrowingCallable call, String type) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(type);
              assertThat(f.isNonRetryable()).isTrue();
            });
  }
}
