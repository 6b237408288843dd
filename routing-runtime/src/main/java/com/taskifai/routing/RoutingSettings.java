package com.taskifai.routing;

import java.time.Duration;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The routing runtime's configuration in one place. Each setting is read from the Spring property
 * ({@code taskifai.*}), else from the environment variable, else a dev default.
 */
@Component
public class RoutingSettings {
  // Platform database (the registry), reached as the platform role.
  public final String dbUrl;
  public final String dbUsername;
  public final String dbPassword;
  public final String masterKeys;
  public final String masterKeysFile;
  public final String baseDomain;

  // Tenant JWTs.
  public final String tenantJwtSecret;
  public final Duration tokenTtl;
  public final int maxFailedLogins;
  public final Duration loginLockout;

  // Registry cache.
  public final Duration cacheTtl;
  public final Duration unknownTenantTtl;

  // Tenant connection pools.
  public final int maxConnectionsPerTenant;
  public final int globalConnectionCap;
  public final Duration connectionIdleTimeout;
  public final Duration poolIdleEviction;
  public final Duration connectionTimeout;
  public final Duration connectionReleaseGrace;

  // Paths served without a tenant (health and probes; the benchmark adds its baseline).
  public final List<String> unroutedPaths;

  public RoutingSettings(
      @Value("${taskifai.db.url:${TASKIFAI_DB_URL:jdbc:postgresql://127.0.0.1:5432/taskifai}}")
          String dbUrl,
      @Value("${taskifai.db.username:${TASKIFAI_DB_USER:taskifai_platform}}") String dbUsername,
      @Value("${taskifai.db.password:${TASKIFAI_DB_PASSWORD:}}") String dbPassword,
      @Value("${taskifai.master-keys:${TASKIFAI_MASTER_KEYS:}}") String masterKeys,
      @Value("${taskifai.master-keys-file:${TASKIFAI_MASTER_KEYS_FILE:.taskifai/master.keys}}")
          String masterKeysFile,
      @Value("${taskifai.base-domain:${TASKIFAI_BASE_DOMAIN:localhost}}") String baseDomain,
      @Value("${taskifai.tenant-jwt-secret:${TASKIFAI_TENANT_JWT_SECRET:}}") String tenantJwtSecret,
      @Value("${taskifai.tenant-token-ttl:${TASKIFAI_TENANT_TOKEN_TTL:PT1H}}") Duration tokenTtl,
      @Value("${taskifai.login.max-failures:${TASKIFAI_LOGIN_MAX_FAILURES:5}}") int maxFailedLogins,
      @Value("${taskifai.login.lockout:${TASKIFAI_LOGIN_LOCKOUT:PT15M}}") Duration loginLockout,
      @Value("${taskifai.router.cache-ttl:${TASKIFAI_ROUTER_CACHE_TTL:PT15M}}") Duration cacheTtl,
      @Value("${taskifai.router.unknown-tenant-ttl:${TASKIFAI_ROUTER_UNKNOWN_TENANT_TTL:PT5S}}")
          Duration unknownTenantTtl,
      @Value("${taskifai.pool.max-per-tenant:${TASKIFAI_POOL_MAX_PER_TENANT:10}}")
          int maxConnectionsPerTenant,
      @Value("${taskifai.pool.global-cap:${TASKIFAI_POOL_GLOBAL_CAP:80}}") int globalConnectionCap,
      @Value("${taskifai.pool.idle-timeout:${TASKIFAI_POOL_IDLE_TIMEOUT:PT5M}}")
          Duration connectionIdleTimeout,
      @Value("${taskifai.pool.eviction:${TASKIFAI_POOL_EVICTION:PT5M}}") Duration poolIdleEviction,
      @Value("${taskifai.pool.connection-timeout:${TASKIFAI_POOL_CONNECTION_TIMEOUT:PT2S}}")
          Duration connectionTimeout,
      @Value("${taskifai.pool.release-grace:${TASKIFAI_POOL_RELEASE_GRACE:PT0S}}")
          Duration connectionReleaseGrace,
      @Value("${taskifai.router.unrouted-paths:/actuator,/livez,/readyz,/v3/api-docs}")
          List<String> unroutedPaths) {
    this.dbUrl = dbUrl;
    this.dbUsername = dbUsername;
    this.dbPassword = dbPassword;
    this.masterKeys = masterKeys;
    this.masterKeysFile = masterKeysFile;
    this.baseDomain = baseDomain;
    this.tenantJwtSecret = tenantJwtSecret;
    this.tokenTtl = tokenTtl;
    this.maxFailedLogins = maxFailedLogins;
    this.loginLockout = loginLockout;
    this.cacheTtl = cacheTtl;
    this.unknownTenantTtl = unknownTenantTtl;
    if (maxConnectionsPerTenant < 1 || globalConnectionCap < maxConnectionsPerTenant) {
      throw new IllegalArgumentException(
          "taskifai.pool.max-per-tenant must be at least 1 and at most taskifai.pool.global-cap");
    }
    this.maxConnectionsPerTenant = maxConnectionsPerTenant;
    this.globalConnectionCap = globalConnectionCap;
    this.connectionIdleTimeout = connectionIdleTimeout;
    this.poolIdleEviction = poolIdleEviction;
    this.connectionTimeout = connectionTimeout;
    this.connectionReleaseGrace = connectionReleaseGrace;
    this.unroutedPaths = List.copyOf(unroutedPaths);
  }
}
