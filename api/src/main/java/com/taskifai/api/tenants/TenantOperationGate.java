package com.taskifai.api.tenants;

import com.taskifai.api.ApiException;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantKind;
import com.taskifai.registry.TenantOperationKind;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.providers.TenantProviders;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * The API's side of the tenant-operation protocol: before an operation starts, it is refused for a
 * kind of tenant it does not work for ({@link TenantOperationKind#refusalFor}: 409 or 422 with what
 * to do instead) and while another operation holds the tenant (409 naming it). The operation itself
 * takes the claim, so a start that slips past this check still meets the fence.
 */
@Component
public class TenantOperationGate {
  private final TenantOperations operations;
  private final TenantProviders providers;

  TenantOperationGate(TenantOperations operations, TenantProviders providers) {
    this.operations = operations;
    this.providers = providers;
  }

  /** The 409 for a tenant that another operation (a move, a restore, a promotion) holds. */
  public static ApiException busy(UUID tenantId, TenantOperations.Held held) {
    return ApiException.conflict(
        "tenant " + tenantId + " is busy with " + held.operation(),
        Map.of("operation", held.operation(), "operation_id", held.operationId()));
  }

  /** Refuses {@code operation} for {@code tenant}'s kind, or while another operation holds it. */
  public void admit(Tenant tenant, TenantOperationKind operation) {
    refuseKind(tenant, operation);
    operations
        .current(tenant.tenantId())
        .ifPresent(
            held -> {
              throw busy(tenant.tenantId(), held);
            });
  }

  /** Refuses {@code operation} for {@code tenant}'s kind (409 or 422 with what to do instead). */
  public void refuseKind(Tenant tenant, TenantOperationKind operation) {
    TenantKind kind = TenantKind.of(tenant, providers.provider(tenant.tenantId()));
    operation
        .refusalFor(kind)
        .ifPresent(
            refusal -> {
              String message = "tenant " + tenant.tenantId() + " " + refusal.message();
              // "tier" is the tenant's tier as the tenant views show it (dedicated or trial).
              String tier = tenant.isTrial() ? Tenant.TRIAL : Tenant.DEDICATED;
              if (refusal.status() == 409) {
                throw ApiException.conflict(
                    message, Map.of("tier", tier, "tenant_kind", kind.value()));
              }
              throw new ApiException(
                  HttpStatus.valueOf(refusal.status()),
                  "not_for_this_tenant",
                  message,
                  Map.of("tier", tier, "tenant_kind", kind.value(), "operation", operation.name()));
            });
  }
}
