package com.taskifai.api;

import com.taskifai.workflows.client.TemporalConnection;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The admin API's configuration in one place. Each setting is read from the Spring property ({@code
 * taskifai.*}, which the launcher passes), else from the environment variable, else a dev default.
 */
@Component
public class ApiSettings {
  private final String dbUrl;
  private final String dbUsername;
  private final String dbPassword;
  private final String masterKeys;
  private final String masterKeysFile;
  private final String baseDomain;
  private final String temporalTarget;
  private final String temporalNamespace;
  private final String temporalUiUrl;
  private final Duration temporalCallTimeout;
  private final boolean searchAttributes;
  private final String adminUrl;
  private final String routerUrl;
  private final boolean faultInjection;
  private final Duration verificationTimeout;
  private final String adminJwtSecret;
  private final String adminJwksUri;
  private final String adminJwtRsaKeyFile;
  private final String adminJwtKeyId;
  private final Duration mfaMaxAge;
  private final Duration tokenTtl;
  private final boolean dev;
  private final boolean recoverWorkflows;

  public ApiSettings(
      @Value("${taskifai.db.url:${TASKIFAI_DB_URL:jdbc:postgresql://127.0.0.1:5432/taskifai}}")
          String dbUrl,
      @Value("${taskifai.db.username:${TASKIFAI_DB_USER:taskifai_platform}}") String dbUsername,
      @Value("${taskifai.db.password:${TASKIFAI_DB_PASSWORD:}}") String dbPassword,
      @Value("${taskifai.master-keys:${TASKIFAI_MASTER_KEYS:}}") String masterKeys,
      @Value("${taskifai.master-keys-file:${TASKIFAI_MASTER_KEYS_FILE:.taskifai/master.keys}}")
          String masterKeysFile,
      @Value("${taskifai.base-domain:${TASKIFAI_BASE_DOMAIN:localhost}}") String baseDomain,
      @Value("${taskifai.temporal.target:${TASKIFAI_TEMPORAL_TARGET:127.0.0.1:7233}}")
          String temporalTarget,
      @Value(
              "${taskifai.temporal.namespace:${TASKIFAI_TEMPORAL_NAMESPACE:"
                  + TemporalConnection.DEFAULT_NAMESPACE
                  + "}}")
          String temporalNamespace,
      @Value("${taskifai.temporal.ui-url:${TASKIFAI_TEMPORAL_UI_URL:}}") String temporalUiUrl,
      @Value("${taskifai.temporal.call-timeout:${TASKIFAI_TEMPORAL_CALL_TIMEOUT:PT3S}}")
          Duration temporalCallTimeout,
      @Value("${taskifai.temporal.search-attributes:${TASKIFAI_TEMPORAL_SEARCH_ATTRIBUTES:false}}")
          boolean searchAttributes,
      @Value("${taskifai.admin-url:${TASKIFAI_ADMIN_URL:http://localhost:8080}}") String adminUrl,
      @Value("${taskifai.router-url:${TASKIFAI_ROUTER_URL:http://localhost:8081}}")
          String routerUrl,
      @Value("${taskifai.fault-injection:${TASKIFAI_FAULT_INJECTION:false}}")
          boolean faultInjection,
      @Value("${taskifai.verification-timeout:${TASKIFAI_VERIFICATION_TIMEOUT:P7D}}")
          Duration verificationTimeout,
      @Value("${taskifai.admin-jwt-secret:${TASKIFAI_ADMIN_JWT_SECRET:}}") String adminJwtSecret,
      @Value("${taskifai.admin-jwks-uri:${TASKIFAI_ADMIN_JWKS_URI:}}") String adminJwksUri,
      @Value("${taskifai.admin-jwt-rsa-key-file:${TASKIFAI_ADMIN_JWT_RSA_KEY_FILE:}}")
          String adminJwtRsaKeyFile,
      @Value("${taskifai.admin-jwt-key-id:${TASKIFAI_ADMIN_JWT_KEY_ID:taskifai-admin-1}}")
          String adminJwtKeyId,
      @Value("${taskifai.mfa-max-age:${TASKIFAI_MFA_MAX_AGE:PT15M}}") Duration mfaMaxAge,
      @Value("${taskifai.admin-token-ttl:${TASKIFAI_ADMIN_TOKEN_TTL:PT30M}}") Duration tokenTtl,
      @Value("${taskifai.dev:${TASKIFAI_DEV:false}}") boolean dev,
      @Value("${taskifai.recover-workflows:${TASKIFAI_RECOVER_WORKFLOWS:false}}")
          boolean recoverWorkflows) {
    this.dbUrl = dbUrl;
    this.dbUsername = dbUsername;
    this.dbPassword = dbPassword;
    this.masterKeys = masterKeys;
    this.masterKeysFile = masterKeysFile;
    this.baseDomain = baseDomain;
    this.temporalTarget = temporalTarget;
    this.temporalNamespace = temporalNamespace;
    this.temporalUiUrl = stripSlash(temporalUiUrl);
    if (temporalCallTimeout.isNegative() || temporalCallTimeout.isZero()) {
      throw new IllegalArgumentException("taskifai.temporal.call-timeout must be positive");
    }
    this.temporalCallTimeout = temporalCallTimeout;
    this.searchAttributes = searchAttributes;
    this.adminUrl = stripSlash(adminUrl);
    this.routerUrl = stripSlash(routerUrl);
    this.faultInjection = faultInjection;
    this.verificationTimeout = verificationTimeout;
    this.adminJwtSecret = adminJwtSecret;
    this.adminJwksUri = adminJwksUri;
    this.adminJwtRsaKeyFile = adminJwtRsaKeyFile;
    this.adminJwtKeyId = adminJwtKeyId;
    this.mfaMaxAge = mfaMaxAge;
    this.tokenTtl = tokenTtl;
    this.dev = dev;
    this.recoverWorkflows = recoverWorkflows;
  }

  private static String stripSlash(String url) {
    return url != null && url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  public String dbUrl() {
    return dbUrl;
  }

  public String dbUsername() {
    return dbUsername;
  }

  public String dbPassword() {
    return dbPassword;
  }

  public String masterKeys() {
    return masterKeys;
  }

  public String masterKeysFile() {
    return masterKeysFile;
  }

  public String baseDomain() {
    return baseDomain;
  }

  public String temporalTarget() {
    return temporalTarget;
  }

  public String temporalNamespace() {
    return temporalNamespace;
  }

  /** Temporal UI's base URL, or empty when there is none (the embedded test server). */
  public String temporalUiUrl() {
    return temporalUiUrl;
  }

  /**
   * How long one call to Temporal (start, signal, query, cancel, describe) may take, retries
   * included, before the API gives up and answers 503.
   */
  public Duration temporalCallTimeout() {
    return temporalCallTimeout;
  }

  /** Whether workflows carry the TenantId and Subdomain search attributes. */
  public boolean searchAttributes() {
    return searchAttributes;
  }

  public String adminUrl() {
    return adminUrl;
  }

  public String routerUrl() {
    return routerUrl;
  }

  public boolean faultInjection() {
    return faultInjection;
  }

  public Duration verificationTimeout() {
    return verificationTimeout;
  }

  /** The HS256 secret of the platform's own admin tokens; empty means a random one per start. */
  public String adminJwtSecret() {
    return adminJwtSecret;
  }

  /** JWKS URI of an external OIDC issuer whose tokens are accepted too; empty for none. */
  public String adminJwksUri() {
    return adminJwksUri;
  }

  /** PEM file of the RSA private key that signs admin tokens (RS256); empty means HS256. */
  public String adminJwtRsaKeyFile() {
    return adminJwtRsaKeyFile;
  }

  /** The key id ({@code kid}) of the RSA key. */
  public String adminJwtKeyId() {
    return adminJwtKeyId;
  }

  public Duration mfaMaxAge() {
    return mfaMaxAge;
  }

  public Duration tokenTtl() {
    return tokenTtl;
  }

  public boolean dev() {
    return dev;
  }

  /**
   * Whether lost in-flight workflows are started again when the API starts. Off unless set: only
   * the dev launcher turns it on (its in-process Temporal server forgets workflows on restart); on
   * a real cluster a missing workflow may have been ended on purpose, and the fleet reconciler
   * reports such tenants instead.
   */
  public boolean recoverWorkflows() {
    return recoverWorkflows;
  }
}
