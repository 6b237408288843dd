package com.taskifai.activities.database;

import static com.taskifai.activities.ActivitiesFixture.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.activities.ActivitiesFixture;
import com.taskifai.activities.StagedSecrets;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.ports.StepInput;
import io.temporal.failure.ApplicationFailure;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Role names carry the whole tenant id, and a role with a tenant's name that may reach another
 * tenant's database is never adopted.
 */
class ForeignRoleTest {
  private final ActivitiesFixture fx = new ActivitiesFixture();

  @Test
  void namesCarryTheWholeTenantIdAndFitPostgresLimit() {
    UUID id = UUID.fromString("0123abcd-4567-89ef-0123-456789abcdef");
    TenantDatabaseNames names = TenantDatabaseNames.of(id);

    assertThat(names.ownerRole()).isEqualTo("t_0123abcd456789ef0123456789abcdef_owner");
    assertThat(names.appRole()).isEqualTo("t_0123abcd456789ef0123456789abcdef_app");
    assertThat(names.database()).isEqualTo("tenant_0123abcd456789ef0123456789abcdef");
    assertThat(names.ownerRole().length()).isLessThanOrEqualTo(63);
    // Two ids that share their first 48 bits get different roles.
    UUID twin = UUID.fromString("0123abcd-4567-0000-0000-000000000000");
    assertThat(TenantDatabaseNames.of(twin).ownerRole()).isNotEqualTo(names.ownerRole());
    assertThat(TenantDatabaseNames.of(twin).appRole()).isNotEqualTo(names.appRole());
    assertThat(TenantDatabaseNames.idOfHex(TenantDatabaseNames.hex(id))).isEqualTo(id);
  }

  @Test
  void aRoleWithTheWouldBeNameThatReachesAnotherTenantsDatabaseFailsCreateAndIsNotAdopted() {
    StepInput victim = fx.reserveAndPlace();
    fx.activities.database().createDatabase(victim);
    TenantDatabaseNames victimNames = TenantDatabaseNames.of(victim.tenantId());
    StepInput tenant = fx.reserveAndPlace();
    TenantDatabaseNames names = TenantDatabaseNames.of(tenant.tenantId());
    // Made by hand (or left by a collision): the new tenant's app role name, with CONNECT on the
    // other tenant's database.
    TestPostgres.execute(
        fx.server(),
        "CREATE ROLE " + names.appRole() + " NOLOGIN",
        "GRANT CONNECT ON DATABASE " + victimNames.database() + " TO " + names.appRole());

    assertThatThrownBy(() -> fx.activities.database().createDatabase(tenant))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getType()).isEqualTo(FailureType.INVALID_STATE.name());
              assertThat(f.getOriginalMessage())
                  .contains(names.appRole())
                  .contains(victimNames.database())
                  .contains("not adopted");
            });

    // Nothing adopted: the role did not get a login or a password, no database and no owner role
    // were made, no password was staged.
    assertThat(
            count(
                fx.server(),
                "SELECT count(*) FROM pg_authid WHERE rolname = ? AND NOT rolcanlogin"
                    + " AND rolpassword IS NULL",
                names.appRole()))
        .isEqualTo(1);
    assertThat(fx.databaseExists(names.database())).isFalse();
    assertThat(fx.roleExists(names.ownerRole())).isFalse();
    assertThat(fx.secrets.get(tenant.tenantId(), StagedSecrets.APP_PASSWORD)).isEmpty();

    // The undo does not drop a role that is not the tenant's either.
    fx.activities.database().dropDatabase(tenant);
    assertThat(fx.roleExists(names.appRole())).isTrue();
    assertThat(fx.databaseExists(victimNames.database())).isTrue();

    TestPostgres.execute(
        fx.server(),
        "REVOKE CONNECT ON DATABASE " + victimNames.database() + " FROM " + names.appRole(),
        "DROP ROLE " + names.appRole());
    fx.activities.database().dropDatabase(victim);
  }

  @Test
  void aLeftoverRoleThatReachesNoOtherTenantIsStillAdoptedByARetry() {
    StepInput tenant = fx.reserveAndPlace();
    TenantDatabaseNames names = TenantDatabaseNames.of(tenant.tenantId());
    TestPostgres.execute(fx.server(), "CREATE ROLE " + names.ownerRole() + " NOLOGIN");

    fx.activities.database().createDatabase(tenant);

    assertThat(fx.databaseExists(names.database())).isTrue();
    fx.activities.database().dropDatabase(tenant);
    assertThat(fx.roleExists(names.ownerRole())).isFalse();
  }
}
