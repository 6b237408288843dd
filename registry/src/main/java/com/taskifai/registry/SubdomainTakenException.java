package com.taskifai.registry;

import java.util.UUID;

/** A live tenant already holds the requested subdomain. */
public class SubdomainTakenException extends RuntimeException {
  private final String subdomain;
  private final UUID existingTenantId;

  public SubdomainTakenException(String subdomain, UUID existingTenantId) {
    super("subdomain '" + subdomain + "' is already taken by tenant " + existingTenantId);
    this.subdomain = subdomain;
    this.existingTenantId = existingTenantId;
  }

  public String subdomain() {
    return subdomain;
  }

  public UUID existingTenantId() {
    return existingTenantId;
  }
}
