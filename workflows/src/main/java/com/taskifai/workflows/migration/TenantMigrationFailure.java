package com.taskifai.workflows.migration;

import com.taskifai.workflows.TenantScoped;
import java.util.UUID;

/** A tenant whose migration failed for good, with the error (no secrets) for the rollout's list. */
public record TenantMigrationFailure(
    String migrationId, UUID tenantId, boolean canary, String error) implements TenantScoped {}
