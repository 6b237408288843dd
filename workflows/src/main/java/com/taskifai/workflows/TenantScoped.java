package com.taskifai.workflows;

import java.util.UUID;

/** An activity or workflow input that belongs to one tenant; the audit interceptor reads it. */
public interface TenantScoped {
  UUID tenantId();
}
