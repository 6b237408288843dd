package com.taskifai.workflows.migration;

import com.taskifai.workflows.TenantScoped;
import java.util.UUID;

/** Input of one tenant's migration within a rollout. */
public record TenantMigrationInput(
    String migrationId, UUID tenantId, String targetVersion, boolean canary)
    implements TenantScoped {}
