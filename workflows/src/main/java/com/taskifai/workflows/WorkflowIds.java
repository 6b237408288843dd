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
 * </ul>
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
