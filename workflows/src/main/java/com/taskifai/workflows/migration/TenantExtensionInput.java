package com.taskifai.workflows.migration;

import com.taskifai.workflows.TenantScoped;
import java.util.UUID;

/** Enable the schema extension {@code name} for a tenant, on an admin's request. */
public record TenantExtensionInput(UUID tenantId, String name, String requestedBy)
    implements TenantScoped {}
