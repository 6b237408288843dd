package com.taskifai.workflows.ports;

import java.util.UUID;

/**
 * Something on the fleet that the registry does not account for: names and ids only, never a
 * secret.
 *
 * @param kind one of {@link #KINDS}
 * @param name the database, role or DNS name; the tenant id for staged_secret and stalled_tenant;
 *     the project reference for provider_project
 * @param serverId the database server holding it (database and role), else null
 * @param tenantId the tenant its name points at, when it names one
 * @param reason why it counts as an orphan, for people
 */
public record Orphan(String kind, String name, String serverId, UUID tenantId, String reason) {
  public static final String DATABASE = "database";
  public static final String ROLE = "role";
  public static final String DNS_RECORD = "dns_record";
  public static final String STAGED_SECRET = "staged_secret";

  /**
   * A database provider's project (Supabase) named like the platform's ({@code taskifai-<tenant
   * id>}) that no tenant owns: its tenant is gone or failed, or owns another project (a create
   * whose answer was lost). It keeps billing until it is removed.
   */
  public static final String PROVIDER_PROJECT = "provider_project";

  /**
   * A tenant left PROVISIONING, AWAITING_VERIFICATION or DELETING whose workflow is not running.
   */
  public static final String STALLED_TENANT = "stalled_tenant";

  /**
   * A server's shared trial database in which a table lacks {@code tenant_id}, forced row level
   * security or the restrictive {@code trial_isolation} policy: critical, since its trials could
   * see each other's rows (the routers refuse it). Repaired by a schema change, never removed.
   */
  public static final String UNSCOPED_TRIAL_DATABASE = "unscoped_trial_database";

  /**
   * What an online move left on a server under its name ({@code taskifai_move_<32 hex>}): a
   * subscription, a replication slot, a publication or its role, while the tenant runs no
   * operation. A forgotten slot holds WAL back until the disk fills. Removal drops them all.
   */
  public static final String MOVE_REPLICATION = "move_replication";

  /** Every kind, in report order. */
  public static final java.util.List<String> KINDS =
      java.util.List.of(
          DATABASE,
          ROLE,
          DNS_RECORD,
          STAGED_SECRET,
          STALLED_TENANT,
          PROVIDER_PROJECT,
          UNSCOPED_TRIAL_DATABASE,
          MOVE_REPLICATION);

  /** The kinds an admin may remove; a stalled tenant is dealt with through its workflow. */
  public static final java.util.List<String> REMOVABLE =
      java.util.List.of(
          DATABASE, ROLE, DNS_RECORD, STAGED_SECRET, PROVIDER_PROJECT, MOVE_REPLICATION);
}
