package com.taskifai.activities.registry;

import com.taskifai.activities.ActivitiesConfig;
import com.taskifai.activities.CurrentActivity;
import com.taskifai.activities.StagedSecrets;
import com.taskifai.activities.StepFailure;
import com.taskifai.activities.database.TenantDatabaseNames;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.SubdomainTakenException;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantOperationKind;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.providers.DatabaseProvider;
import com.taskifai.registry.providers.TenantProviders;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.Outcome;
import com.taskifai.workflows.Step;
import com.taskifai.workflows.lifecycle.OffboardTenantWorkflow;
import com.taskifai.workflows.ports.AuditRecord;
import com.taskifai.workflows.ports.DatabasePlacement;
import com.taskifai.workflows.ports.FailureRecord;
import com.taskifai.workflows.ports.ReserveTenantInput;
import com.taskifai.workflows.ports.StepInput;
import com.taskifai.workflows.ports.TenantRegistryActivities;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registry writes of the workflows, on {@link TenantRegistry}, {@link DatabaseServers}, {@link
 * AuditLog} and the staged secrets. Status changes go through {@link TenantRegistry#transition}, so
 * a change from a status the step cannot work from fails non-retryably (INVALID_STATE) instead of
 * overwriting someone else's decision.
 */
public final class TenantRegistryActivitiesImpl implements TenantRegistryActivities {
  private static final Logger log = LoggerFactory.getLogger(TenantRegistryActivitiesImpl.class);

  private static final Set<TenantStatus> LIVE =
      EnumSet.of(
          TenantStatus.PROVISIONING,
          TenantStatus.AWAITING_VERIFICATION,
          TenantStatus.ACTIVE,
          TenantStatus.SUSPENDED);

  private final TenantRegistry registry;
  private final DatabaseServers servers;
  private final AuditLog audit;
  private final StagedSecrets secrets;
  private final CredentialCipher cipher;
  private final ActivitiesConfig config;
  private final TenantProviders providers;

  public TenantRegistryActivitiesImpl(
      TenantRegistry registry,
      DatabaseServers servers,
      AuditLog audit,
      StagedSecrets secrets,
      CredentialCipher cipher,
      ActivitiesConfig config,
      TenantProviders providers) {
    this.providers = providers;
    this.registry = registry;
    this.servers = servers;
    this.audit = audit;
    this.secrets = secrets;
    this.cipher = cipher;
    this.config = config;
  }

  @Override
  public void reserveTenant(ReserveTenantInput input) {
    String region =
        input.region() == null || input.region().isBlank()
            ? config.defaultRegion()
            : input.region();
    Tenant reserved;
    try {
      // The admin API inserted the row before it started the workflow: reserve adopts it.
      reserved =
          registry.reserve(
              new TenantRegistry.Reservation(
                  input.tenantId(),
                  input.subdomain(),
                  input.companyName(),
                  input.adminEmail(),
                  region));
    } catch (SubdomainTakenException e) {
      throw StepFailure.of(FailureType.SUBDOMAIN_TAKEN, e.getMessage());
    } catch (IllegalStateException e) {
      throw StepFailure.of(FailureType.INVALID_STATE, e.getMessage());
    }
    if (reserved.status() == TenantStatus.FAILED || reserved.status() == TenantStatus.DELETED) {
      // The API released the row (its start of this workflow seemed to fail): do not revive it.
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "tenant " + input.tenantId() + " is " + reserved.status() + " and is not provisioned");
    }
    if (input.databaseProvider() != null) {
      DatabaseProvider provider;
      try {
        provider = DatabaseProvider.parse(input.databaseProvider());
      } catch (IllegalArgumentException e) {
        throw StepFailure.of(FailureType.MISCONFIGURED, e.getMessage());
      }
      providers.setProvider(input.tenantId(), provider);
    }
  }

  /**
   * Marks the tenant FAILED, which frees its subdomain, and records why. A tenant that is missing,
   * FAILED or DELETED already is done; a tenant being deleted (DELETING) is not taken from the
   * offboarding workflow (INVALID_STATE).
   */
  @Override
  public void releaseTenant(FailureRecord input) {
    Optional<Tenant> tenant = registry.findById(input.tenantId());
    if (tenant.isEmpty()) {
      return;
    }
    TenantStatus status = tenant.get().status();
    if (status == TenantStatus.FAILED || status == TenantStatus.DELETED) {
      return; // the subdomain is free already
    }
    Set<TenantStatus> from = EnumSet.copyOf(LIVE);
    from.add(TenantStatus.ROLLBACK_FAILED);
    transition(input.tenantId(), from, TenantStatus.FAILED);
    audit.append(
        input.tenantId(),
        CurrentActivity.actor(),
        "compensate",
        Step.RESERVE_TENANT.stepName(),
        Outcome.TENANT_FAILED.value(),
        reason(input));
  }

  @Override
  public DatabasePlacement placeDatabase(StepInput input) {
    Tenant tenant = tenant(input.tenantId());
    if (tenant.databaseServerId() != null && tenant.databaseName() != null) {
      return new DatabasePlacement(tenant.databaseServerId(), tenant.databaseName());
    }
    if (providers.provider(tenant.tenantId()) == DatabaseProvider.SUPABASE) {
      // The tenant's own project becomes its server in create_database.
      String database = TenantDatabaseNames.of(tenant.tenantId()).database();
      providers.nameDatabase(tenant.tenantId(), database);
      return new DatabasePlacement(DatabaseProvider.SUPABASE.value(), database);
    }
    // Picks the least loaded OPEN server of the region with room and records it in one
    // transaction, so placements running at once never overfill a server.
    String database = TenantDatabaseNames.of(tenant.tenantId()).database();
    DatabaseServers.Server server =
        servers
            .placeAndAssign(tenant.tenantId(), tenant.region(), database)
            .orElseThrow(
                () ->
                    StepFailure.of(
                        FailureType.NO_CAPACITY,
                        "no OPEN database server with room in region '" + tenant.region() + "'"));
    return new DatabasePlacement(server.id(), database);
  }

  /**
   * Encrypts the JDBC URL and app role of the tenant database together with the staged password
   * into the tenant row, then deletes the staged password. A call that finds the credentials stored
   * and nothing staged is done.
   */
  @Override
  public void storeCredentials(StepInput input) {
    Tenant tenant = tenant(input.tenantId());
    Optional<String> password = secrets.get(tenant.tenantId(), StagedSecrets.APP_PASSWORD);
    if (password.isEmpty()) {
      if (tenant.hasCredentials()) {
        return;
      }
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "tenant " + tenant.tenantId() + " has no staged app password: run create_database first");
    }
    if (tenant.databaseServerId() == null) {
      throw StepFailure.of(
          FailureType.INVALID_STATE, "tenant " + tenant.tenantId() + " has no database placement");
    }
    DatabaseServers.Server server =
        servers
            .find(tenant.databaseServerId())
            .orElseThrow(() -> StepFailure.serverMissing(tenant.databaseServerId()));
    TenantDatabaseNames names = TenantDatabaseNames.of(tenant.tenantId());
    TenantCredentials credentials =
        new TenantCredentials(
            TenantDatabaseNames.jdbcUrl(server.jdbcUrl(), tenant.databaseName()),
            names.appRole(),
            password.get());
    TenantProviders.ProviderInfo provider = providers.find(tenant.tenantId()).orElseThrow();
    if (provider.provider() == DatabaseProvider.SUPABASE) {
      // The routers reach a Supabase tenant through its project's pooler.
      credentials =
          new TenantCredentials(provider.poolerUrl(), provider.poolerUser(), password.get());
    }
    registry.storeCredentials(tenant.tenantId(), credentials.encrypt(cipher, tenant.tenantId()));
    secrets.delete(tenant.tenantId(), StagedSecrets.APP_PASSWORD);
  }

  @Override
  public void eraseCredentials(StepInput input) {
    registry.eraseCredentials(input.tenantId());
  }

  @Override
  public void markAwaitingVerification(StepInput input) {
    transition(
        input.tenantId(),
        EnumSet.of(TenantStatus.PROVISIONING),
        TenantStatus.AWAITING_VERIFICATION);
  }

  @Override
  public void markVerified(StepInput input) {
    tenant(input.tenantId());
    registry.markVerified(input.tenantId());
  }

  @Override
  public void activateTenant(StepInput input) {
    Tenant tenant = tenant(input.tenantId());
    if (!tenant.hasCredentials() && tenant.status() != TenantStatus.ACTIVE) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "tenant " + tenant.tenantId() + " has no stored credentials and cannot serve traffic");
    }
    transition(
        input.tenantId(),
        EnumSet.of(TenantStatus.PROVISIONING, TenantStatus.AWAITING_VERIFICATION),
        TenantStatus.ACTIVE);
  }

  @Override
  public void markRollbackFailed(FailureRecord input) {
    transition(
        input.tenantId(),
        EnumSet.complementOf(EnumSet.of(TenantStatus.DELETED)),
        TenantStatus.ROLLBACK_FAILED);
    audit.append(
        input.tenantId(),
        CurrentActivity.actor(),
        "compensate",
        input.step(),
        Outcome.ROLLBACK_FAILED.value(),
        reason(input));
  }

  @Override
  public void suspendTenant(StepInput input) {
    transition(input.tenantId(), EnumSet.of(TenantStatus.ACTIVE), TenantStatus.SUSPENDED);
  }

  @Override
  public void reactivateTenant(StepInput input) {
    transition(input.tenantId(), EnumSet.of(TenantStatus.SUSPENDED), TenantStatus.ACTIVE);
  }

  @Override
  public void markDeleting(StepInput input) {
    // From here on the offboarding holds the tenant until it is DELETED: no backup, move, restore
    // or invite starts on a tenant whose database is about to go.
    String operationId = OffboardTenantWorkflow.workflowId(input.tenantId());
    registry
        .operations()
        .claim(input.tenantId(), TenantOperationKind.OFFBOARDING, operationId)
        .filter(held -> !"UNKNOWN".equals(held.operation()))
        .ifPresent(
            held -> {
              throw StepFailure.busy(
                  input.tenantId(), held, "offboard it again when that ends; nothing was deleted");
            });
    transition(
        input.tenantId(),
        EnumSet.complementOf(EnumSet.of(TenantStatus.DELETED)),
        TenantStatus.DELETING);
  }

  @Override
  public void markDeleted(StepInput input) {
    transition(input.tenantId(), EnumSet.of(TenantStatus.DELETING), TenantStatus.DELETED);
    registry
        .operations()
        .release(input.tenantId(), OffboardTenantWorkflow.workflowId(input.tenantId()));
  }

  @Override
  public void recordAudit(AuditRecord input) {
    audit.append(
        input.tenantId(),
        input.actor() == null ? CurrentActivity.actor() : input.actor(),
        input.action(),
        input.step(),
        input.outcome().value(),
        input.detail());
  }

  private Tenant tenant(UUID tenantId) {
    return registry.findById(tenantId).orElseThrow(() -> StepFailure.tenantMissing(tenantId));
  }

  private void transition(UUID tenantId, Set<TenantStatus> from, TenantStatus to) {
    if (registry.transition(tenantId, from, to)) {
      log.info("tenant {} is now {}", tenantId, to);
      return;
    }
    Tenant now = tenant(tenantId);
    if (now.status() == to) {
      return;
    }
    throw StepFailure.of(
        FailureType.INVALID_STATE,
        "tenant "
            + tenantId
            + " is "
            + now.status()
            + "; it can move to "
            + to
            + " only from "
            + from);
  }

  private static Map<String, String> reason(FailureRecord input) {
    Map<String, String> detail = new LinkedHashMap<>();
    if (input.step() != null) {
      detail.put("failed_step", input.step());
    }
    detail.put("reason", input.reason() == null ? "unknown" : input.reason());
    return detail;
  }
}
