package com.taskifai.workflows.ports;

import com.taskifai.workflows.Outcome;
import com.taskifai.workflows.TenantScoped;
import java.util.Map;
import java.util.UUID;

/**
 * An audit row written by workflow code (for events that are not activities, such as waiting for
 * verification). Detail values must hold no secret, token or link.
 */
public record AuditRecord(
    UUID tenantId,
    String actor,
    String action,
    String step,
    Outcome outcome,
    Map<String, String> detail)
    implements TenantScoped {}
