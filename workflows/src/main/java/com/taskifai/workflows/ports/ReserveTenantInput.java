package com.taskifai.workflows.ports;

import com.taskifai.workflows.TenantScoped;
import java.util.UUID;

/** Input of reserve_tenant. */
public record ReserveTenantInput(
    UUID tenantId,
    String subdomain,
    String companyName,
    String adminEmail,
    String region,
    String requestedBy)
    implements TenantScoped {}
