package com.taskifai.routing.tenancy;

import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.CredentialDecryptionException;
import com.taskifai.routing.RoutingSettings;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a tenant's HikariCP pool from its decrypted credentials: lazy (no connection until a
 * request needs one), each physical connection under the global cap and its server's budget, the
 * housekeeping thread shared by all pools.
 */
final class TenantPoolFactory {
  private static final Logger log = LoggerFactory.getLogger(TenantPools.class);

  /** A tenant's stored credentials cannot be decrypted (altered, or sealed with another key). */
  static final class UnusableCredentials extends RuntimeException {
    UnusableCredentials(String message) {
      super(message, null, false, false);
    }
  }

  private final RoutingSettings settings;
  private final CredentialCipher cipher;
  private final ConnectionCap cap;
  private final ConnectionBudgets budgets;
  private final TenantPoolMetrics poolMetrics;
  private final ScheduledExecutorService housekeeping;
  private final UnaryOperator<DataSource> statementSpans;

  TenantPoolFactory(
      RoutingSettings settings,
      CredentialCipher cipher,
      ConnectionCap cap,
      ConnectionBudgets budgets,
      TenantPoolMetrics poolMetrics,
      ScheduledExecutorService housekeeping,
      UnaryOperator<DataSource> statementSpans) {
    this.settings = settings;
    this.cipher = cipher;
    this.cap = cap;
    this.budgets = budgets;
    this.poolMetrics = poolMetrics;
    this.housekeeping = housekeeping;
    this.statementSpans = statementSpans;
  }

  /** What a pool is built from: a tenant moved or given new credentials gets a new pool. */
  static String fingerprint(Tenant tenant) {
    return tenant.encryptedDatabaseUrl()
        + "|"
        + tenant.encryptedDatabaseKey()
        + "|"
        + tenant.databaseServerId();
  }

  /**
   * A new pool of the tenant.
   *
   * @throws UnusableCredentials when the tenant's stored credentials cannot be decrypted
   */
  TenantPool open(Tenant tenant, String fingerprint) {
    TenantCredentials creds;
    try {
      creds = TenantCredentials.decrypt(cipher, tenant);
    } catch (CredentialDecryptionException | IllegalStateException e) {
      throw new UnusableCredentials(
          "its stored database credentials cannot be decrypted (" + e.getMessage() + ")");
    }
    PGSimpleDataSource pg = new PGSimpleDataSource();
    pg.setUrl(creds.jdbcUrl());
    pg.setUser(creds.username());
    pg.setPassword(creds.password());
    pg.setApplicationName("taskifai-router");
    // Every tenant server is PostgreSQL 9.0 or newer: the driver then sends extra_float_digits and
    // application_name with the startup message instead of a SET statement each after login, two
    // round trips less for every new connection.
    pg.setAssumeMinServerVersion("9.0");
    // The login is bounded by the connect and socket timeouts, on the pool's own thread: the
    // driver's login timeout would start a thread per connection (CappedConnectionSource does not
    // pass HikariCP's on, and clears the socket timeout once logged in).
    int loginSeconds = (int) Math.max(1, (settings.connectionTimeout.toMillis() + 999) / 1000);
    pg.setConnectTimeout(loginSeconds);
    pg.setSocketTimeout(loginSeconds);
    pg.setLoginTimeout(0);
    // Closing a connection waits until its server backend has exited, so a permit of the global
    // cap never comes back while the old session still counts on the server.
    pg.setSocketFactory(SynchronousCloseSocketFactory.class.getName());
    HikariConfig c = new HikariConfig();
    c.setPoolName("tenant-" + tenant.tenantId());
    c.setDataSource(
        new CappedConnectionSource(
            pg, cap, tenant.tenantId(), budgets.forServer(tenant.databaseServerId())));
    c.setMaximumPoolSize(settings.maxConnectionsPerTenant);
    c.setMinimumIdle(0);
    c.setIdleTimeout(Math.max(10_000, settings.connectionIdleTimeout.toMillis()));
    c.setConnectionTimeout(Math.max(250, settings.connectionTimeout.toMillis()));
    // Lazy: the pool opens no connection until a request needs one.
    c.setInitializationFailTimeout(-1);
    // Meters of an earlier pool of the same tenant are replaced, not kept (see TenantPoolMetrics).
    c.setMetricsTrackerFactory(poolMetrics);
    // One housekeeping thread for all tenant pools instead of one per pool.
    c.setScheduledExecutor(housekeeping);
    log.info("opening the connection pool of tenant {}", tenant.tenantId());
    HikariDataSource dataSource = new HikariDataSource(c);
    PoolThreads.keepAlive(dataSource, settings.poolThreadKeepAlive);
    return new TenantPool(
        tenant.tenantId(),
        fingerprint,
        creds.username(),
        tenant.databaseServerId(),
        tenant.isTrial(),
        dataSource,
        statementSpans.apply(dataSource));
  }
}
