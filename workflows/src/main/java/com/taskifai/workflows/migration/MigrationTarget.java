package com.taskifai.workflows.migration;

import java.util.UUID;

/** A tenant a rollout migrates, with the database server its database lives on. */
public record MigrationTarget(UUID tenantId, String serverId) {}
