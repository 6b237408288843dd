package com.taskifai.workflows.provisioning;

import com.taskifai.workflows.TenantScoped;
import java.util.UUID;

/**
 * Input of {@link ProvisionTenantWorkflow}. Holds no secret. {@code injectFault} is a step name
 * that must fail permanently (fault injection for tests and demos; null normally).
 */
public record ProvisionTenantRequest(
    UUID tenantId,
    String subdomain,
    String companyName,
    String adminEmail,
    String region,
    String requestedBy,
    String injectFault,
    java.time.Duration verificationTimeout)
    implements TenantScoped {}
