package com.taskifai.api.testing;

import com.taskifai.registry.AuditLog;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import java.util.Map;
import java.util.UUID;

/** Test double of the registry activities, writing to the real test platform database. */
public class RegistryDoubleActivitiesImpl implements RegistryDoubleActivities {
  private final TenantRegistry registry;
  private final AuditLog audit;

  public RegistryDoubleActivitiesImpl(TenantRegistry registry, AuditLog audit) {
    this.registry = registry;
    this.audit = audit;
  }

  @Override
  public void reserve(
      UUID tenantId, String subdomain, String companyName, String email, String region) {
    registry.reserve(
        new TenantRegistry.Reservation(tenantId, subdomain, companyName, email, region));
  }

  @Override
  public void setStatus(UUID tenantId, String status) {
    registry.setStatus(tenantId, TenantStatus.valueOf(status));
  }

  @Override
  public void audit(UUID tenantId, String step, String outcome) {
    audit.append(tenantId, "workflow", "provision", step, outcome, Map.of());
  }
}
