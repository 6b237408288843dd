package com.taskifai.registry;

import java.time.Instant;
import java.util.UUID;

/**
 * One row of the tenant registry. The database URL and key are ciphertext as stored; decrypt them
 * with {@link com.taskifai.registry.crypto.CredentialCipher} and the contexts in {@link
 * TenantCredentials}.
 */
public record Tenant(
    UUID tenantId,
    String subdomain,
    String companyName,
    String adminEmail,
    TenantStatus status,
    boolean active,
    String region,
    String databaseServerId,
    String databaseName,
    String encryptedDatabaseUrl,
    String encryptedDatabaseKey,
    String metadataJson,
    Instant createdAt,
    Instant updatedAt,
    Instant verifiedAt,
    Instant activatedAt,
    Instant suspendedAt,
    Instant deletedAt,
    String tier) {

  /** The tier of a tenant with a database of its own. */
  public static final String DEDICATED = "dedicated";

  /** The tier of a tenant whose rows live in its server's shared trial database. */
  public static final String TRIAL = "trial";

  /** True when the tenant's rows live in the shared trial database of its server. */
  public boolean isTrial() {
    return TRIAL.equals(tier);
  }

  /** True when the registry holds the tenant's encrypted credentials. */
  public boolean hasCredentials() {
    return encryptedDatabaseUrl != null && encryptedDatabaseKey != null;
  }

  /** True when the routing runtime may serve this tenant's traffic. */
  public boolean servesTraffic() {
    return active && status == TenantStatus.ACTIVE && hasCredentials();
  }

  @Override
  public String toString() {
    // Ciphertext and e-mail stay out of logs; ids are enough to find the row.
    return "Tenant[" + tenantId + ", " + subdomain + ", " + status + "]";
  }
}
