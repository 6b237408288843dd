package com.taskifai.activities.database;

import com.taskifai.activities.StepFailure;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.ports.BackupActivities.BackupInput;
import com.taskifai.workflows.ports.BackupActivities.RestoreTarget;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The swap of a restore ({@link BackupActivitiesImpl}): the tenant's current database fenced
 * (read-only, then closed to the app role), the registry pointed at the restored copy, and the undo
 * of both; a retired database is dropped after its grace.
 */
final class RestoreSwaps {
  private static final Logger log = LoggerFactory.getLogger(BackupActivitiesImpl.class);

  private final ServerAccess access;
  private final TenantOperations operations;
  private final CredentialCipher cipher;

  RestoreSwaps(ServerAccess access, TenantOperations operations, CredentialCipher cipher) {
    this.access = access;
    this.operations = operations;
    this.cipher = cipher;
  }

  public void swapDatabase(BackupInput input, RestoreTarget target) {
    Tenant tenant = placedTenant(input.tenantId());
    BackupRestores.requireRestoreName(tenant, target.newDatabase());
    TenantDatabaseNames names = TenantDatabaseNames.of(tenant.tenantId());
    if (target.newDatabase().equals(tenant.databaseName())) {
      // Swapped by an earlier attempt, which may have died before the fence was closed.
      String appRole = TenantCredentials.decrypt(cipher, tenant).username();
      fenceRetired(tenant, target.currentDatabase(), names.ownerRole(), appRole);
      operations.holdWrites(tenant.tenantId(), input.operationId(), false);
      return;
    }
    if (!tenant.databaseName().equals(target.currentDatabase())) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "tenant "
              + tenant.tenantId()
              + " moved to "
              + tenant.databaseName()
              + " while the restore ran; nothing swapped");
    }
    TenantCredentials now = TenantCredentials.decrypt(cipher, tenant);
    String url = TenantDatabaseNames.jdbcUrl(now.jdbcUrl(), target.newDatabase());
    String encryptedUrl =
        cipher.encrypt(
            url + "\n" + now.username(),
            CredentialCipher.tenantContext(tenant.tenantId(), TenantCredentials.URL_FIELD));
    if (!operations.holdWrites(tenant.tenantId(), input.operationId(), true)) {
      throw StepFailure.of(
          FailureType.INVALID_STATE, "the restore does not hold tenant " + tenant.tenantId());
    }
    // The fence before the swap: a session a router opens on the old database from here on is
    // read-only, and the app role's sessions on it end, so no write commits there that the swap
    // would leave behind.
    ServerAdmin admin = access.admin(tenant);
    try {
      SwapFence.readOnly(admin, target.currentDatabase(), names.ownerRole(), now.username(), true);
    } catch (SQLException e) {
      unfence(tenant.tenantId(), target.currentDatabase());
      throw DatabaseFailures.of("swap_database", tenant.tenantId(), e);
    }
    boolean swapped;
    try {
      swapped =
          operations.swapDatabase(
              tenant.tenantId(), input.operationId(), target.newDatabase(), encryptedUrl);
    } catch (RuntimeException e) {
      try {
        unfence(tenant.tenantId(), target.currentDatabase());
      } catch (RuntimeException undo) {
        e.addSuppressed(undo);
      }
      throw e;
    }
    if (!swapped) {
      unfence(tenant.tenantId(), target.currentDatabase());
      throw StepFailure.of(
          FailureType.INVALID_STATE, "the restore does not hold tenant " + tenant.tenantId());
    }
    fenceRetired(tenant, target.currentDatabase(), names.ownerRole(), now.username());
    log.info(
        "tenant {}: now on database {} (was {}, fenced)",
        tenant.tenantId(),
        target.newDatabase(),
        target.currentDatabase());
  }

  public void undoSwapDatabase(BackupInput input, RestoreTarget target) {
    unfence(input.tenantId(), target.currentDatabase());
  }

  public void sealRestoredCopy(BackupInput input, String database) {
    Tenant tenant = placedTenant(input.tenantId());
    BackupRestores.requireRestoreName(tenant, database);
    if (database.equals(tenant.databaseName())) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          database + " is the current database of tenant " + tenant.tenantId() + "; not sealed");
    }
    TenantDatabaseNames names = TenantDatabaseNames.of(tenant.tenantId());
    String appRole = TenantCredentials.decrypt(cipher, tenant).username();
    fenceRetired(tenant, database, names.ownerRole(), appRole);
  }

  /**
   * The fence after the swap (and on a copy): read-only for new sessions, CONNECT revoked for the
   * app role, its sessions ended. Repeating it changes nothing.
   */
  private void fenceRetired(Tenant tenant, String database, String owner, String appRole) {
    ServerAdmin admin = access.admin(tenant);
    try {
      try (Connection c = admin.maintenance().getConnection()) {
        if (!ServerAdmin.databaseExists(c, database)) {
          return; // dropped already (retired after its grace)
        }
      }
      SwapFence.readOnly(admin, database, owner, appRole, true);
      SwapFence.close(admin, database, appRole);
    } catch (SQLException e) {
      throw DatabaseFailures.of("swap_database", tenant.tenantId(), e);
    }
  }

  /**
   * The tenant's current database writable and open to its app role again: the undo of a fence set
   * before a swap that did not happen. Refused for any database the tenant does not use.
   */
  private void unfence(UUID tenantId, String database) {
    // Read again: a registry update whose answer was lost may have swapped the tenant after all.
    Tenant tenant = access.tenant(tenantId);
    if (!database.equals(tenant.databaseName())) {
      log.warn(
          "tenant {}: on {}, not {}; the fence stays", tenantId, tenant.databaseName(), database);
      return;
    }
    TenantDatabaseNames names = TenantDatabaseNames.of(tenant.tenantId());
    String appRole = TenantCredentials.decrypt(cipher, tenant).username();
    ServerAdmin admin = access.admin(tenant);
    try {
      SwapFence.open(admin, database, appRole);
      SwapFence.readOnly(admin, database, names.ownerRole(), appRole, false);
    } catch (SQLException e) {
      throw DatabaseFailures.of("undo_swap_database", tenant.tenantId(), e);
    }
    log.info("tenant {}: {} writable again (no swap)", tenant.tenantId(), database);
  }

  public void dropRetiredDatabase(UUID tenantId, String database) {
    if (database == null) {
      return;
    }
    Tenant tenant = access.tenant(tenantId);
    if (!database.startsWith(TenantDatabaseNames.of(tenantId).database())) {
      throw StepFailure.of(
          FailureType.INVALID_STATE, database + " is not a database of tenant " + tenantId);
    }
    if (database.equals(tenant.databaseName())) {
      log.warn("tenant {}: {} is its current database; not dropped", tenantId, database);
      return;
    }
    if (tenant.databaseServerId() == null) {
      return;
    }
    ServerAdmin admin = access.admin(tenant);
    admin.release(database);
    try (Connection c = admin.maintenance().getConnection()) {
      ServerAdmin.grantRoleToAdmin(c, TenantDatabaseNames.of(tenantId).ownerRole());
      ServerAdmin.execute(c, "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    } catch (SQLException e) {
      throw DatabaseFailures.of("drop_retired_database", tenantId, e);
    }
    log.info("tenant {}: dropped retired database {}", tenantId, database);
  }

  private Tenant placedTenant(UUID tenantId) {
    return access.placedTenant(tenantId, "has no database to back up");
  }
}
