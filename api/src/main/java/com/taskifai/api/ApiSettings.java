package com.taskifai.api;

import com.taskifai.api.costs.CostSettings;
import com.taskifai.registry.settings.DbSettings;
import com.taskifai.registry.settings.PlatformSettings;
import java.time.Duration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.stereotype.Component;

/**
 * The admin API's configuration in one place: a view over the settings records ({@link DbSettings},
 * {@link PlatformSettings}, {@link TemporalSettings}, {@link TracesSettings}, {@link
 * AdminSettings}), which Spring Boot binds from {@code taskifai.*} properties and, by relaxed
 * binding, from the {@code TASKIFAI_*} environment. Each default is defined once, in its record.
 */
@Component
@EnableConfigurationProperties({
  DbSettings.class,
  PlatformSettings.class,
  TemporalSettings.class,
  TracesSettings.class,
  AdminSettings.class,
  AdminLoginSettings.class,
  AdminLoginSettings.FailedLogins.class,
  FleetSettings.class,
  CostSettings.class
})
public class ApiSettings {
  private final DbSettings db;
  private final PlatformSettings platform;
  private final TemporalSettings temporal;
  private final AdminSettings admin;
  private final TracesSettings traces;

  public ApiSettings(
      DbSettings db,
      PlatformSettings platform,
      TemporalSettings temporal,
      AdminSettings admin,
      TracesSettings traces) {
    this.db = db;
    this.platform = platform;
    this.temporal = temporal;
    this.admin = admin;
    this.traces = traces;
  }

  public AdminSettings admin() {
    return admin;
  }

  public String dbUrl() {
    return db.url();
  }

  public String dbUsername() {
    return db.username();
  }

  public String dbPassword() {
    return db.password();
  }

  public String masterKeys() {
    return platform.masterKeys();
  }

  public String masterKeysFile() {
    return platform.masterKeysFile();
  }

  public String baseDomain() {
    return platform.baseDomain();
  }

  public String temporalTarget() {
    return temporal.target();
  }

  public String temporalNamespace() {
    return temporal.namespace();
  }

  /** Temporal UI's base URL, or empty when there is none (the embedded test server). */
  public String temporalUiUrl() {
    return stripSlash(temporal.uiUrl());
  }

  /** The trace viewer's (Jaeger UI's) base URL, or empty when traces are off. */
  public String tracesUrl() {
    return stripSlash(traces.url().strip());
  }

  /** The service whose spans carry a workflow's id (the workers'). */
  public String tracesService() {
    return traces.service();
  }

  /**
   * How long one call to Temporal (start, signal, query, cancel, describe) may take, retries
   * included, before the API gives up and answers 503.
   */
  public Duration temporalCallTimeout() {
    return temporal.callTimeout();
  }

  /** Whether workflows carry the TenantId and Subdomain search attributes. */
  public boolean searchAttributes() {
    return temporal.searchAttributes();
  }

  public String adminUrl() {
    return platform.adminUrl();
  }

  public String routerUrl() {
    return platform.routerUrl();
  }

  public boolean faultInjection() {
    return platform.faultInjection();
  }

  /** Travels in the provisioning request; the worker has no setting of its own for it. */
  public Duration verificationTimeout() {
    return admin.verificationTimeout();
  }

  /** The HS256 secret of the platform's own admin tokens; empty means a random one per start. */
  public String adminJwtSecret() {
    return admin.adminJwtSecret();
  }

  /** JWKS URI of an external OIDC issuer whose tokens are accepted too; empty for none. */
  public String adminJwksUri() {
    return admin.adminJwksUri();
  }

  /** PEM file of the RSA private key that signs admin tokens (RS256); empty means HS256. */
  public String adminJwtRsaKeyFile() {
    return admin.adminJwtRsaKeyFile();
  }

  /** The key id ({@code kid}) of the RSA key. */
  public String adminJwtKeyId() {
    return admin.adminJwtKeyId();
  }

  public Duration mfaMaxAge() {
    return admin.mfaMaxAge();
  }

  public Duration tokenTtl() {
    return admin.adminTokenTtl();
  }

  public boolean dev() {
    return admin.dev();
  }

  /**
   * Whether lost in-flight workflows are started again when the API starts. Off unless set: only
   * the dev launcher turns it on (its in-process Temporal server forgets workflows on restart); on
   * a real cluster a missing workflow may have been ended on purpose, and the fleet reconciler
   * reports such tenants instead.
   */
  public boolean recoverWorkflows() {
    return admin.recoverWorkflows();
  }

  private static String stripSlash(String url) {
    return url != null && url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
