package com.taskifai.routing;

import com.taskifai.registry.settings.DbSettings;
import com.taskifai.registry.settings.PlatformSettings;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.stereotype.Component;

/**
 * The routing runtime's configuration in one place: a view over the settings records ({@link
 * DbSettings}, {@link PlatformSettings}, {@link TenantAuthProperties}, {@link RouterProperties},
 * {@link PoolProperties}) that Spring Boot binds from {@code taskifai.*} properties and, by relaxed
 * binding, from the {@code TASKIFAI_*} environment. Each default is defined once, in its record.
 */
@Component
@EnableConfigurationProperties({
  DbSettings.class,
  PlatformSettings.class,
  TenantAuthProperties.class,
  RouterProperties.class,
  PoolProperties.class,
  UsageProperties.class
})
public class RoutingSettings {
  // Platform database (the registry), reached as the platform role.
  public final String dbUrl;
  public final String dbUsername;
  public final String dbPassword;
  public final String masterKeys;
  public final String masterKeysFile;
  public final String baseDomain;
  // Where the admin API answers: tenant export download links point there.
  public final String adminUrl;

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
  public final Duration poolThreadKeepAlive;

  // Paths served without a tenant (health and probes; the benchmark adds its baseline).
  public final List<String> unroutedPaths;

  // The records the fields come from.
  public final RouterProperties router;
  public final TenantAuthProperties auth;

  public RoutingSettings(
      DbSettings db,
      PlatformSettings platform,
      TenantAuthProperties auth,
      RouterProperties router,
      PoolProperties pool) {
    this.dbUrl = db.url();
    this.dbUsername = db.username();
    this.dbPassword = db.password();
    this.masterKeys = platform.masterKeys();
    this.masterKeysFile = platform.masterKeysFile();
    this.baseDomain = platform.baseDomain();
    this.adminUrl = platform.adminUrl();
    this.tenantJwtSecret = auth.tenantJwtSecret();
    this.tokenTtl = auth.tenantTokenTtl();
    this.maxFailedLogins = auth.login().maxFailures();
    this.loginLockout = auth.login().lockout();
    this.cacheTtl = router.cacheTtl();
    this.unknownTenantTtl = router.unknownTenantTtl();
    this.maxConnectionsPerTenant = pool.maxPerTenant();
    this.globalConnectionCap = pool.globalCap();
    this.connectionIdleTimeout = pool.idleTimeout();
    this.poolIdleEviction = pool.eviction();
    this.connectionTimeout = pool.connectionTimeout();
    this.connectionReleaseGrace = pool.releaseGrace();
    this.poolThreadKeepAlive = pool.threadKeepAlive();
    this.unroutedPaths = List.copyOf(router.unroutedPaths());
    this.router = router;
    this.auth = auth;
  }
}
