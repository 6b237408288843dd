package com.taskifai.workflows.trial;

import com.taskifai.workflows.TenantScoped;
import java.util.UUID;

/** Input of {@link PromoteTenantWorkflow}: the trial and who asked. Holds no secret. */
public record PromoteTenantRequest(UUID tenantId, String subdomain, String requestedBy)
    implements TenantScoped {}
