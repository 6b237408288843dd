package com.taskifai.workflows.ports;

import com.taskifai.workflows.TenantScoped;
import java.util.UUID;

/**
 * Input of reserve_tenant. {@code databaseProvider} ({@code postgres} or {@code supabase}) is null
 * for requests made before providers existed: our own servers.
 */
public record ReserveTenantInput(
    UUID tenantId,
    String subdomain,
    String companyName,
    String adminEmail,
    String region,
    String requestedBy,
    String databaseProvider)
    implements TenantScoped {

  /** A reservation on the default provider. */
  public ReserveTenantInput(
      UUID tenantId,
      String subdomain,
      String companyName,
      String adminEmail,
      String region,
      String requestedBy) {
    this(tenantId, subdomain, companyName, adminEmail, region, requestedBy, null);
  }
}
