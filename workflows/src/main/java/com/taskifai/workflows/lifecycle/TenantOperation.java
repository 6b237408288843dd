package com.taskifai.workflows.lifecycle;

import com.taskifai.workflows.TenantScoped;
import java.util.UUID;

/** Input of a lifecycle workflow: which tenant, and who asked (an admin's e-mail or id). */
public record TenantOperation(UUID tenantId, String subdomain, String actor)
    implements TenantScoped {}
