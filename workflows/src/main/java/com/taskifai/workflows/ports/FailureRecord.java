package com.taskifai.workflows.ports;

import com.taskifai.workflows.TenantScoped;
import java.util.UUID;

/** Why a workflow gave up: the step that failed and a reason fit for the audit log (no secrets). */
public record FailureRecord(UUID tenantId, String step, String reason) implements TenantScoped {}
