package com.taskifai.activities.database;

import com.taskifai.activities.StagedSecrets;
import com.taskifai.activities.StepFailure;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantDatabaseFences;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.tenantschema.TrialSchema;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.ports.MoveActivities.CopyMode;
import com.taskifai.workflows.ports.MoveActivities.ReplicationLag;
import com.taskifai.workflows.ports.StepInput;
import com.taskifai.workflows.ports.TrialActivities;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trial tier's steps: the server's shared trial database (created on first use, recorded in
 * {@code trial_databases}), a trial's rows in it, and the promotion of a trial to a database of its
 * own. The dedicated database itself is made by {@link TenantDatabaseActivitiesImpl}'s steps.
 */
public final class TrialActivitiesImpl implements TrialActivities {
  private static final Logger log = LoggerFactory.getLogger(TrialActivitiesImpl.class);

  private final DataSource platform;
  private final TenantRegistry registry;
  private final TenantOperations operations;
  private final StagedSecrets secrets;
  private final CredentialCipher cipher;
  private final SharedTrialDatabases trialDatabases;
  private final ServerAccess access;
  private final OnlinePromotions promotions;

  public TrialActivitiesImpl(
      DataSource platform,
      ServerAccess access,
      TenantRegistry registry,
      StagedSecrets secrets,
      CredentialCipher cipher,
      SharedTrialDatabases trialDatabases) {
    this(platform, access, registry, secrets, cipher, trialDatabases, OnlineReplication.create());
  }

  public TrialActivitiesImpl(
      DataSource platform,
      ServerAccess access,
      TenantRegistry registry,
      StagedSecrets secrets,
      CredentialCipher cipher,
      SharedTrialDatabases trialDatabases,
      OnlineReplication replication) {
    this.promotions = new OnlinePromotions(replication);
    this.platform = platform;
    this.access = access;
    this.registry = registry;
    this.operations = new TenantOperations(platform);
    this.secrets = secrets;
    this.cipher = cipher;
    this.trialDatabases = trialDatabases;
  }

  @Override
  public void placeTrial(StepInput input) {
    Tenant tenant = placed(input.tenantId());
    if (tenant.isTrial() && tenant.hasCredentials()) {
      return;
    }
    ServerAdmin admin = admin(tenant);
    try {
      String password = trialDatabases.ensure(admin);
      TenantCredentials credentials =
          new TenantCredentials(
              TenantDatabaseNames.jdbcUrl(admin.jdbcUrl(), TrialSchema.DATABASE),
              TrialSchema.APP_ROLE,
              password);
      registry.placeTrial(
          tenant.tenantId(),
          admin.serverId(),
          TrialSchema.DATABASE,
          credentials.encrypt(cipher, tenant.tenantId()));
    } catch (SQLException e) {
      throw DatabaseFailures.retried("place_trial", e);
    } catch (IllegalStateException e) {
      throw wrapped("place_trial", e);
    }
  }

  @Override
  public void undoPlaceTrial(StepInput input) {
    Optional<Tenant> tenant = registry.findById(input.tenantId());
    if (tenant.isPresent() && tenant.get().isTrial()) {
      registry.eraseCredentials(input.tenantId());
    }
  }

  @Override
  public void registerTrialTenant(StepInput input) {
    Tenant tenant = trial(input.tenantId());
    try {
      TrialSchema.registerTenant(shared(tenant), tenant.tenantId(), tenant.adminEmail());
    } catch (IllegalStateException e) {
      throw wrapped("register_trial_tenant", e);
    }
  }

  @Override
  public void unregisterTrialTenant(StepInput input) {
    Optional<Tenant> tenant = registry.findById(input.tenantId());
    if (tenant.isEmpty() || !tenant.get().isTrial() || tenant.get().databaseServerId() == null) {
      return;
    }
    try {
      TrialSchema.deleteTenant(shared(tenant.get()), input.tenantId());
    } catch (IllegalStateException e) {
      throw wrapped("undo_register_trial_tenant", e);
    }
  }

  @Override
  public void claimPromotion(UUID tenantId, String operationId) {
    Tenant tenant =
        registry.findById(tenantId).orElseThrow(() -> StepFailure.tenantMissing(tenantId));
    if (!tenant.isTrial() || tenant.status() != TenantStatus.ACTIVE) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "tenant "
              + tenantId
              + " is no active trial ("
              + tenant.status()
              + ", "
              + tenant.tier()
              + ")");
    }
    Optional<TenantOperations.Held> other = operations.claim(tenantId, "PROMOTING", operationId);
    if (other.isPresent()) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "tenant "
              + tenantId
              + " is busy: "
              + other.get().operation()
              + " "
              + other.get().operationId());
    }
    // An earlier promotion that was undone dropped the database and fenced off its creation;
    // this one (the first step, so none of its own creates runs yet) makes it anew.
    try {
      new TenantDatabaseFences(platform).reopen(tenantId);
    } catch (SQLException e) {
      throw DatabaseFailures.retried("claim_promotion", e);
    }
  }

  @Override
  public void releasePromotion(UUID tenantId, String operationId) {
    operations.release(tenantId, operationId);
  }

  @Override
  public void holdWrites(UUID tenantId, String operationId) {
    Tenant tenant = trial(tenantId);
    if (!operations.holdWrites(tenantId, operationId, true)) {
      throw StepFailure.of(
          FailureType.INVALID_STATE, "the promotion " + operationId + " does not hold " + tenantId);
    }
    try {
      TrialSchema.freeze(shared(tenant), tenantId, true);
    } catch (IllegalStateException e) {
      throw wrapped("hold_trial_writes", e);
    }
  }

  @Override
  public void releaseWrites(UUID tenantId, String operationId) {
    Optional<Tenant> tenant = registry.findById(tenantId);
    if (tenant.isPresent() && tenant.get().isTrial()) {
      try {
        TrialSchema.freeze(shared(tenant.get()), tenantId, false);
      } catch (IllegalStateException e) {
        throw wrapped("undo_hold_trial_writes", e);
      }
    }
    operations.holdWrites(tenantId, operationId, false);
  }

  @Override
  public Map<String, Long> copyTrialRows(UUID tenantId) {
    Tenant tenant = trial(tenantId);
    TenantDatabaseNames names = TenantDatabaseNames.of(tenantId);
    ServerAdmin admin = admin(tenant);
    try {
      Map<String, Long> copied =
          TrialSchema.copyTenant(
              admin.database(TrialSchema.DATABASE),
              admin.database(names.database()),
              names.ownerRole(),
              tenantId);
      log.info("tenant {}: copied {} from the shared trial database", tenantId, copied);
      return copied;
    } catch (IllegalStateException e) {
      throw wrapped("copy_trial_rows", e);
    }
  }

  @Override
  public Map<String, Long> verifyTrialCopy(UUID tenantId) {
    Tenant tenant = trial(tenantId);
    TenantDatabaseNames names = TenantDatabaseNames.of(tenantId);
    ServerAdmin admin = admin(tenant);
    Map<String, Long> source;
    Map<String, Long> target;
    try {
      source = TrialSchema.countRows(admin.database(TrialSchema.DATABASE), tenantId);
      target = TrialSchema.countDedicated(admin.database(names.database()), names.ownerRole());
    } catch (IllegalStateException e) {
      throw wrapped("verify_trial_copy", e);
    }
    if (!source.equals(target)) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "rows per table differ: shared trial database " + source + ", new database " + target);
    }
    return target;
  }

  @Override
  public void swapToDedicated(UUID tenantId, String operationId) {
    Tenant tenant = placed(tenantId);
    TenantDatabaseNames names = TenantDatabaseNames.of(tenantId);
    if (!tenant.isTrial() && names.database().equals(tenant.databaseName())) {
      return; // swapped already
    }
    ServerAdmin admin = admin(tenant);
    String password =
        secrets
            .get(tenantId, StagedSecrets.APP_PASSWORD)
            .orElseThrow(
                () ->
                    StepFailure.of(
                        FailureType.INVALID_STATE,
                        "no staged app password for tenant " + tenantId + ": run create_database"));
    TenantCredentials credentials =
        new TenantCredentials(
            TenantDatabaseNames.jdbcUrl(admin.jdbcUrl(), names.database()),
            names.appRole(),
            password);
    // The fence on the old copy, per tenant: the trial's rows in the shared database stay frozen
    // from here on (set again in case anything lifted it since hold_trial_writes), so a router that
    // misses the swap gets read-only trial transactions. The shared database and role are
    // untouched.
    try {
      TrialSchema.freeze(shared(tenant), tenantId, true);
    } catch (IllegalStateException e) {
      throw wrapped("swap_to_dedicated", e);
    }
    if (!registry.promoteToDedicated(
        tenantId, operationId, names.database(), credentials.encrypt(cipher, tenantId))) {
      throw StepFailure.of(
          FailureType.INVALID_STATE, "the promotion " + operationId + " does not hold " + tenantId);
    }
    secrets.delete(tenantId, StagedSecrets.APP_PASSWORD);
    admin.release(names.database());
    log.info("tenant {} now lives in its own database {}", tenantId, names.database());
  }

  @Override
  public void undoSwapToDedicated(UUID tenantId, String operationId) {
    Tenant tenant = placed(tenantId);
    if (tenant.isTrial()) {
      return;
    }
    ServerAdmin admin = admin(tenant);
    try {
      String password = trialDatabases.ensure(admin);
      registry.placeTrial(
          tenantId,
          admin.serverId(),
          TrialSchema.DATABASE,
          new TenantCredentials(
                  TenantDatabaseNames.jdbcUrl(admin.jdbcUrl(), TrialSchema.DATABASE),
                  TrialSchema.APP_ROLE,
                  password)
              .encrypt(cipher, tenantId));
    } catch (SQLException e) {
      throw DatabaseFailures.retried("undo_swap_to_dedicated", e);
    }
    log.info("tenant {} points at the shared trial database again", tenantId);
  }

  @Override
  public void deleteTrialRows(UUID tenantId) {
    Tenant tenant = placed(tenantId);
    if (tenant.isTrial()) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "tenant " + tenantId + " is still a trial; its rows stay in the shared database");
    }
    ServerAdmin admin = admin(tenant);
    try {
      TrialSchema.deleteTenant(admin.database(TrialSchema.DATABASE), tenantId);
    } catch (IllegalStateException e) {
      throw wrapped("delete_trial_rows", e);
    }
  }

  @Override
  public CopyMode checkOnlinePromotion(UUID tenantId) {
    return promotions.check(admin(trial(tenantId)), tenantId);
  }

  @Override
  public void startTrialReplication(UUID tenantId) {
    promotions.start(admin(trial(tenantId)), tenantId);
  }

  @Override
  public ReplicationLag trialCatchUp(UUID tenantId) {
    return promotions.catchUp(admin(trial(tenantId)), tenantId);
  }

  @Override
  public ReplicationLag awaitTrialZeroLag(UUID tenantId) {
    return promotions.awaitZeroLag(admin(trial(tenantId)), tenantId);
  }

  @Override
  public int setTrialSequences(UUID tenantId) {
    return promotions.setSequences(admin(trial(tenantId)), tenantId);
  }

  @Override
  public void stopTrialReplication(UUID tenantId) {
    Optional<Tenant> tenant = registry.findById(tenantId);
    if (tenant.isEmpty() || tenant.get().databaseServerId() == null) {
      return;
    }
    promotions.stop(admin(tenant.get()), tenantId, tenant.get().isTrial());
  }

  @Override
  public Map<String, Long> verifyTrialReplica(UUID tenantId) {
    Map<String, Long> rows = promotions.verify(admin(trial(tenantId)), tenantId);
    log.info("tenant {}: the new database holds the trial's rows {}", tenantId, rows);
    return rows;
  }

  private DataSource shared(Tenant tenant) {
    return admin(tenant).database(TrialSchema.DATABASE);
  }

  private Tenant placed(UUID tenantId) {
    Tenant tenant = access.tenant(tenantId);
    if (tenant.databaseServerId() == null) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "tenant " + tenantId + " has no database placement: run place_database first");
    }
    return tenant;
  }

  private Tenant trial(UUID tenantId) {
    Tenant tenant = placed(tenantId);
    if (!tenant.isTrial()) {
      throw StepFailure.of(FailureType.INVALID_STATE, "tenant " + tenantId + " is no trial");
    }
    return tenant;
  }

  private ServerAdmin admin(Tenant tenant) {
    return access.admin(tenant);
  }

  private static RuntimeException wrapped(String step, RuntimeException e) {
    return DatabaseFailures.unwrapped(e, cause -> DatabaseFailures.retried(step, cause));
  }
}
