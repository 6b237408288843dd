package com.taskifai.activities.database;

import com.taskifai.activities.StepFailure;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.ports.MoveActivities.MoveInput;
import java.util.UUID;

/**
 * The tenant as each move step finds it in the registry: movable, placed, on the move's source or
 * already on its target, its app role, and the guard that keeps every move step off a shared trial
 * database.
 */
final class MoveTenants {
  private final ServerAccess access;
  private final CredentialCipher cipher;
  private final SharedTrialDatabases trialDatabases;

  MoveTenants(ServerAccess access, CredentialCipher cipher, SharedTrialDatabases trialDatabases) {
    this.access = access;
    this.cipher = cipher;
    this.trialDatabases = trialDatabases;
  }

  /** The tenant as the registry has it now. */
  Tenant current(UUID tenantId) {
    return access.tenant(tenantId);
  }

  boolean sharedTrialDatabase(Tenant tenant, String database) {
    return trialDatabases.touches(tenant, database);
  }

  void refuseSharedTrialDatabase(Tenant tenant, String database, String step) {
    trialDatabases.refuse(
        tenant, database, step, true, ", which no move may touch: promote the trial first");
  }

  boolean onTarget(Tenant tenant, MoveInput in) {
    return in.targetServerId().equals(tenant.databaseServerId())
        && in.database().equals(tenant.databaseName());
  }

  void requireOnSource(Tenant tenant, MoveInput in) {
    if (!in.sourceServerId().equals(tenant.databaseServerId())
        || !in.database().equals(tenant.databaseName())) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "tenant "
              + in.tenantId()
              + " is on "
              + tenant.databaseServerId()
              + "/"
              + tenant.databaseName()
              + ", not "
              + in.sourceServerId()
              + "/"
              + in.database()
              + "; nothing moved");
    }
  }

  String appRole(Tenant tenant) {
    return TenantCredentials.decrypt(cipher, tenant).username();
  }

  /**
   * The tenant as a move starts from it: ACTIVE or SUSPENDED, with a database and credentials.
   * Otherwise (offboarded, being deleted, failed, never placed) fails NOT_MOVABLE: a drain that
   * listed the tenant before it changed skips it, since no retry and no later round can move it.
   */
  Tenant movable(UUID tenantId) {
    Tenant tenant = access.tenant(tenantId);
    if (tenant.status() != TenantStatus.ACTIVE && tenant.status() != TenantStatus.SUSPENDED) {
      throw StepFailure.of(
          FailureType.NOT_MOVABLE,
          "tenant "
              + tenantId
              + " is "
              + tenant.status()
              + "; a move needs it ACTIVE or SUSPENDED (nothing was changed)");
    }
    if (tenant.databaseServerId() == null
        || tenant.databaseName() == null
        || !tenant.hasCredentials()) {
      throw StepFailure.of(
          FailureType.NOT_MOVABLE, "tenant " + tenantId + " has no database to move");
    }
    return tenant;
  }

  Tenant placed(UUID tenantId) {
    Tenant tenant = access.placedTenant(tenantId, "has no database to move");
    if (!tenant.hasCredentials()) {
      throw StepFailure.of(
          FailureType.INVALID_STATE, "tenant " + tenantId + " has no database to move");
    }
    return tenant;
  }
}
