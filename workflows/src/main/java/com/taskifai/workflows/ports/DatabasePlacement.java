package com.taskifai.workflows.ports;

/** Where a tenant database goes: a {@code database_servers} id and the database name. */
public record DatabasePlacement(String serverId, String databaseName) {}
