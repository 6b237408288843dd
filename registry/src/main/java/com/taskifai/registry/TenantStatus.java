package com.taskifai.registry;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a tenant stands in its life cycle. The names are a public contract (API, audit log,
 * metrics).
 */
public enum TenantStatus {
  PROVISIONING,
  AWAITING_VERIFICATION,
  ACTIVE,
  SUSPENDED,
  FAILED,
  ROLLBACK_FAILED,
  DELETING,
  DELETED;

  /** Statuses that hold their subdomain: a new request for the same subdomain is refused. */
  public static final Set<TenantStatus> HOLDING_SUBDOMAIN =
      EnumSet.complementOf(EnumSet.of(FAILED, DELETED));

  /** Statuses whose workflow must still be running; used to restart lost workflows. */
  public static final Set<TenantStatus> IN_FLIGHT =
      EnumSet.of(PROVISIONING, AWAITING_VERIFICATION, DELETING);
}
