package com.taskifai.workflows.provisioning;

import com.taskifai.workflows.TenantScoped;
import com.taskifai.workflows.ports.ReserveTenantInput;
import java.time.Duration;
import java.util.UUID;

/**
 * Input of {@link ProvisionTenantWorkflow}. Holds no secret. {@code databaseProvider} is {@code
 * postgres} or {@code supabase} (null: postgres). (A fault to inject, for tests and demos, travels
 * in the workflow's memo: see {@code FaultInjection}.)
 */
public record ProvisionTenantRequest(
    UUID tenantId,
    String subdomain,
    String companyName,
    String adminEmail,
    String region,
    String requestedBy,
    Duration verificationTimeout,
    String databaseProvider,
    String tier)
    implements TenantScoped {

  /** A dedicated tenant on a provider (null: postgres). */
  public ProvisionTenantRequest(
      UUID tenantId,
      String subdomain,
      String companyName,
      String adminEmail,
      String region,
      String requestedBy,
      Duration verificationTimeout,
      String databaseProvider) {
    this(
        tenantId,
        subdomain,
        companyName,
        adminEmail,
        region,
        requestedBy,
        verificationTimeout,
        databaseProvider,
        null);
  }

  /** The tier of a pooled trial; null or {@code dedicated} is a database of its own. */
  public static final String TRIAL = "trial";

  /** True for a trial in the shared trial database. */
  public boolean trial() {
    return TRIAL.equals(tier);
  }

  /** A request on the provider reserve_tenant defaults to (our own servers). */
  public ProvisionTenantRequest(
      UUID tenantId,
      String subdomain,
      String companyName,
      String adminEmail,
      String region,
      String requestedBy,
      Duration verificationTimeout) {
    this(
        tenantId,
        subdomain,
        companyName,
        adminEmail,
        region,
        requestedBy,
        verificationTimeout,
        null);
  }

  /**
   * How long the verification may take when the request does not say: the one default of the admin
   * API's {@code taskifai.verification-timeout} too.
   */
  public static final String DEFAULT_VERIFICATION_TIMEOUT_TEXT = "P7D";

  /** {@link #DEFAULT_VERIFICATION_TIMEOUT_TEXT} as a duration. */
  public static final Duration DEFAULT_VERIFICATION_TIMEOUT =
      Duration.parse(DEFAULT_VERIFICATION_TIMEOUT_TEXT);

  /** The verification timeout, or the default. */
  public Duration verificationTimeoutOrDefault() {
    return verificationTimeout == null ? DEFAULT_VERIFICATION_TIMEOUT : verificationTimeout;
  }

  /** The input of reserve_tenant. */
  public ReserveTenantInput reservation() {
    return new ReserveTenantInput(
        tenantId, subdomain, companyName, adminEmail, region, requestedBy, databaseProvider);
  }
}
