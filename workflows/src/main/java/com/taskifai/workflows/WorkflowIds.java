package com.taskifai.workflows;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * The ids of the platform's workflows: built here and only here, and read back to tell a workflow's
 * kind. The forms are part of the API ({@code workflow_id}).
 *
 * <ul>
 *   <li>{@code tenant-provision-<subdomain>}: one provisioning per subdomain at a time
 *   <li>{@code tenant-suspend-<tenant id>-<epoch millis>} and {@code tenant-reactivate-<tenant
 *       id>-<epoch millis>}: one per request
 *   <li>{@code tenant-offboard-<tenant id>}: one offboarding per tenant
 *   <li>{@code tenant-admin-invite-<tenant id>-<epoch millis>}: a new set-password link, one per
 *       request
 *   <li>{@code tenant-move-<tenant id>-<server id>}: one move of the tenant to that server at a
 *       time
 *   <li>{@code server-drain-<server id>}: one drain per database server
 *   <li>{@code tenant-backup-<tenant id>-<backup id>}, {@code tenant-backup-delete-<tenant
 *       id>-<backup id>}: one per backup
 *   <li>{@code tenant-restore-<tenant id>-<backup id>-<restore id>}: one per restore
 *   <li>{@code tenant-restore-to-time-<tenant id>-<restore id>}: one per restore to a point in time
 *   <li>{@code tenant-import-<tenant id>-<import id>}: one per import
 *   <li>{@code tenant-backup-schedule-<tenant id>}, the Temporal Schedule {@code
 *       tenant-backup-daily-<tenant id>} and its runs {@code tenant-backup-scheduled-<tenant id>}
 *   <li>{@code tenant-export-<tenant id>-<export id>}: one per export of the tenant's data
 *   <li>{@code tenant-promote-<tenant id>}: one promotion per tenant
 *   <li>{@code tenant-migrate-<tenant id>-<version>}, {@code tenant-extension-<tenant id>-<name>}
 *       and {@code fleet-migrate-<migration id>}: schema changes
 *   <li>{@code platform-reconcile-<suffix>}, {@code platform-remove-orphan-<kind>-<name>} and the
 *       periodic workflows and schedules named by the constants below
 * </ul>
 *
 * <p>Workflow interfaces that offer a {@code workflowId(...)} of their own delegate here; an
 * architecture test in the api module keeps it so.
 */
public final class WorkflowIds {

  /** What a workflow does; {@link #value()} is its name in the API. */
  public enum Kind {
    PROVISION("tenant-provision-"),
    SUSPEND("tenant-suspend-"),
    REACTIVATE("tenant-reactivate-"),
    OFFBOARD("tenant-offboard-"),
    ADMIN_INVITE("tenant-admin-invite-"),
    MOVE("tenant-move-"),
    DRAIN("server-drain-");

    private final String prefix;

    Kind(String prefix) {
      this.prefix = prefix;
    }

    /** The id prefix, such as {@code tenant-provision-}. */
    public String prefix() {
      return prefix;
    }

    /** The public name, such as {@code provision}. */
    public String value() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The fleet reconciliation's Temporal Schedule. */
  public static final String RECONCILE_SCHEDULE = "platform-reconcile-fleet";

  /** The fleet reconciliation's timer loop, where the server has no schedules. */
  public static final String RECONCILE_LOOP = "platform-reconcile-loop";

  /** The cost sampling's Temporal Schedule. */
  public static final String COST_SAMPLE_SCHEDULE = "platform-cost-sample";

  /** The cost sampling's timer loop, where the server has no schedules. */
  public static final String COST_SAMPLE_LOOP = "platform-cost-sample-loop";

  private static final String BACKUP = "tenant-backup-";
  private static final String BACKUP_DELETE = "tenant-backup-delete-";
  private static final String BACKUP_SCHEDULE = "tenant-backup-schedule-";
  private static final String BACKUP_DAILY = "tenant-backup-daily-";
  private static final String BACKUP_SCHEDULED = "tenant-backup-scheduled-";
  private static final String RESTORE = "tenant-restore-";
  private static final String RESTORE_TO_TIME = "tenant-restore-to-time-";
  private static final String IMPORT = "tenant-import-";
  private static final String BASE_BACKUP_SCHEDULE = "server-base-backup-";
  private static final String PROMOTE = "tenant-promote-";
  private static final String EXPORT = "tenant-export-";
  private static final String TENANT_MIGRATE = "tenant-migrate-";
  private static final String EXTENSION = "tenant-extension-";
  private static final String FLEET_MIGRATE = "fleet-migrate-";
  private static final String RECONCILE = "platform-reconcile-";
  private static final String REMOVE_ORPHAN = "platform-remove-orphan-";

  private WorkflowIds() {}

  /** The provisioning of a subdomain. */
  public static String provision(String subdomain) {
    return Kind.PROVISION.prefix + subdomain;
  }

  /** A suspension of the tenant requested at {@code epochMillis}. */
  public static String suspend(UUID tenantId, long epochMillis) {
    return Kind.SUSPEND.prefix + tenantId + "-" + epochMillis;
  }

  /** A reactivation of the tenant requested at {@code epochMillis}. */
  public static String reactivate(UUID tenantId, long epochMillis) {
    return Kind.REACTIVATE.prefix + tenantId + "-" + epochMillis;
  }

  /** The offboarding of the tenant. */
  public static String offboard(UUID tenantId) {
    return Kind.OFFBOARD.prefix + tenantId;
  }

  /** A new set-password link for the tenant's first admin, requested at {@code epochMillis}. */
  public static String adminInvite(UUID tenantId, long epochMillis) {
    return Kind.ADMIN_INVITE.prefix + tenantId + "-" + epochMillis;
  }

  /** The move of the tenant to the database server {@code serverId}. */
  public static String move(UUID tenantId, String serverId) {
    return Kind.MOVE.prefix + tenantId + "-" + serverId;
  }

  /** The drain of the database server {@code serverId}. */
  public static String drain(String serverId) {
    return Kind.DRAIN.prefix + serverId;
  }

  /** A database server's base-backup loop for point-in-time recovery. */
  public static String baseBackupSchedule(String serverId) {
    return BASE_BACKUP_SCHEDULE + serverId;
  }

  /** What the id of every move of the tenant starts with. */
  public static String movePrefix(UUID tenantId) {
    return Kind.MOVE.prefix + tenantId + "-";
  }

  /** A backup of the tenant. */
  public static String backup(UUID tenantId, UUID backupId) {
    return BACKUP + tenantId + "-" + backupId;
  }

  /** The deletion of one of the tenant's backups. */
  public static String deleteBackup(UUID tenantId, UUID backupId) {
    return BACKUP_DELETE + tenantId + "-" + backupId;
  }

  /** The tenant's daily backup timer (servers without schedules). */
  public static String backupSchedule(UUID tenantId) {
    return BACKUP_SCHEDULE + tenantId;
  }

  /** The id of the tenant's daily backup Temporal Schedule. */
  public static String dailyBackupSchedule(UUID tenantId) {
    return BACKUP_DAILY + tenantId;
  }

  /** The id the tenant's backup schedule starts its runs under (the server appends the time). */
  public static String scheduledBackup(UUID tenantId) {
    return BACKUP_SCHEDULED + tenantId;
  }

  /** A restore of one of the tenant's backups. */
  public static String restore(UUID tenantId, UUID backupId, String restoreId) {
    return restorePrefix(tenantId) + backupId + "-" + restoreId;
  }

  /** A restore of the tenant's database to a point in time. */
  public static String restoreToTime(UUID tenantId, String restoreId) {
    return restoreToTimePrefix(tenantId) + restoreId;
  }

  /** What the id of every restore to a point in time of the tenant starts with. */
  public static String restoreToTimePrefix(UUID tenantId) {
    return RESTORE_TO_TIME + tenantId + "-";
  }

  /** What the id of every restore of the tenant starts with. */
  public static String restorePrefix(UUID tenantId) {
    return RESTORE + tenantId + "-";
  }

  /** An export of the tenant's data. */
  public static String export(UUID tenantId, UUID exportId) {
    return exportPrefix(tenantId) + exportId;
  }

  /** What the id of every export of the tenant starts with. */
  public static String exportPrefix(UUID tenantId) {
    return EXPORT + tenantId + "-";
  }

  /** An import of a customer's data into the tenant. */
  public static String importTenant(UUID tenantId, String importId) {
    return importPrefix(tenantId) + importId;
  }

  /** What the id of every import of the tenant starts with. */
  public static String importPrefix(UUID tenantId) {
    return IMPORT + tenantId + "-";
  }

  /** The promotion of a trial tenant. */
  public static String promote(UUID tenantId) {
    return PROMOTE + tenantId;
  }

  /** The migration of one tenant's schema to {@code version}. */
  public static String tenantMigrate(UUID tenantId, String version) {
    return TENANT_MIGRATE + tenantId + "-" + version;
  }

  /** Enabling the extension {@code name} for the tenant. */
  public static String enableExtension(UUID tenantId, String name) {
    return EXTENSION + tenantId + "-" + name;
  }

  /** A fleet-wide migration (a rollout). */
  public static String fleetMigrate(String migrationId) {
    return FLEET_MIGRATE + migrationId;
  }

  /** A reconciliation an admin asked for. */
  public static String reconcileOnDemand(String suffix) {
    return RECONCILE + suffix;
  }

  /** The removal of one orphan ({@code kind} and {@code name} as the reconciliation reports it). */
  public static String removeOrphan(String kind, String name) {
    return REMOVE_ORPHAN + kind + "-" + name;
  }

  /**
   * The id a platform schedule ({@link #RECONCILE_SCHEDULE}, {@link #COST_SAMPLE_SCHEDULE}) starts
   * its runs under (the server appends the scheduled time).
   */
  public static String scheduledRun(String scheduleId) {
    return scheduleId + "-run";
  }

  /** The kind of a workflow id, or empty for an id the platform does not make. */
  public static Optional<Kind> kindOf(String workflowId) {
    if (workflowId == null) {
      return Optional.empty();
    }
    return Arrays.stream(Kind.values())
        .filter(k -> workflowId.startsWith(k.prefix) && workflowId.length() > k.prefix.length())
        .findFirst();
  }
}
