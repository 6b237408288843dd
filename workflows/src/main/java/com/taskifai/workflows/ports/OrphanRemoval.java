package com.taskifai.workflows.ports;

/**
 * An admin's request to remove one reported orphan.
 *
 * @param kind database, role, dns_record or staged_secret
 * @param name as the report lists it
 * @param serverId the database server (database and role), else null
 * @param actor who asked
 */
public record OrphanRemoval(String kind, String name, String serverId, String actor) {}
