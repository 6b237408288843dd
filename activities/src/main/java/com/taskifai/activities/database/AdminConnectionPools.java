package com.taskifai.activities.database;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Small pools of admin connections, one per database (a server's maintenance database, or a tenant
 * database while it is being provisioned). A tenant's provisioning opens some ten admin sessions in
 * a row, and a fresh session on a new database costs tens of milliseconds (backend start,
 * authentication, catalog cache); reusing two of them is what makes the database steps cheap.
 *
 * <p>Connections close after {@value #IDLE_MILLIS} ms unused, and a pool unused for {@value
 * #EVICT_MILLIS} ms is closed, so a provisioned tenant leaves no admin session behind. {@link
 * #evict} closes a database's pool at once (before it is dropped, or when its steps are done).
 * Every checkout resets the session's role and settings, since the schema steps {@code SET ROLE}.
 * The template database is never pooled: PostgreSQL copies it only while nobody is connected.
 */
final class AdminConnectionPools implements AutoCloseable {
  static final long IDLE_MILLIS = 10_000; // Hikari's smallest idle timeout
  static final long EVICT_MILLIS = 60_000;
  private static final int MAX_CONNECTIONS = 3; // Flyway holds two at most
  static final java.time.Duration CONNECTION_TIMEOUT = java.time.Duration.ofSeconds(10);

  private final long connectionTimeoutMillis;
  private final UnaryOperator<DataSource> statementSpans;

  private final Map<String, Pool> pools = new ConcurrentHashMap<>();
  private final ScheduledExecutorService housekeeping =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "taskifai-admin-pools");
            t.setDaemon(true);
            return t;
          });

  AdminConnectionPools() {
    this(CONNECTION_TIMEOUT);
  }

  /** Pools whose checkout waits at most {@code connectionTimeout} (Hikari's floor is 250 ms). */
  AdminConnectionPools(java.time.Duration connectionTimeout) {
    this(connectionTimeout, UnaryOperator.identity());
  }

  /**
   * As above, each data source handed out wrapped by {@code statementSpans} (statement spans when
   * traces are on, the identity when off).
   */
  AdminConnectionPools(
      java.time.Duration connectionTimeout, UnaryOperator<DataSource> statementSpans) {
    this.connectionTimeoutMillis = Math.max(250, connectionTimeout.toMillis());
    this.statementSpans = statementSpans;
  }

  /** {@code dataSource} with the statement spans these pools' sessions have. */
  DataSource traced(DataSource dataSource) {
    return statementSpans.apply(dataSource);
  }

  private static final class Pool {
    final HikariDataSource dataSource;
    final String user;
    final String password;
    volatile long lastUse = System.currentTimeMillis();

    Pool(HikariDataSource dataSource, String user, String password) {
      this.dataSource = dataSource;
      this.user = user;
      this.password = password;
    }
  }

  /** A data source on {@code url} as {@code user}; the same pool while the credentials match. */
  DataSource dataSource(String url, String user, String password) {
    closeUnused();
    Pool pool =
        pools.compute(
            url,
            (key, was) -> {
              if (was != null
                  && was.user.equals(user)
                  && java.util.Objects.equals(was.password, password)
                  && !was.dataSource.isClosed()) {
                return was;
              }
              if (was != null) {
                was.dataSource.close(); // the admin account or its password changed
              }
              return new Pool(open(url, user, password), user, password);
            });
    pool.lastUse = System.currentTimeMillis();
    return statementSpans.apply(new ResettingDataSource(pool));
  }

  /** Closes the pool of {@code url}, ending its sessions, if there is one. */
  void evict(String url) {
    Pool pool = pools.remove(url);
    if (pool != null) {
      pool.dataSource.close();
    }
  }

  /** Number of open pools (for tests). */
  int size() {
    return pools.size();
  }

  private void closeUnused() {
    long now = System.currentTimeMillis();
    pools.forEach(
        (url, pool) -> {
          if (now - pool.lastUse > EVICT_MILLIS && pools.remove(url, pool)) {
            pool.dataSource.close();
          }
        });
  }

  private HikariDataSource open(String url, String user, String password) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("taskifai-provisioning");
    config.setJdbcUrl(url);
    config.setUsername(user);
    if (password != null && !password.isEmpty()) {
      config.setPassword(password);
    }
    config.setMaximumPoolSize(MAX_CONNECTIONS);
    config.setMinimumIdle(0);
    config.setIdleTimeout(IDLE_MILLIS);
    config.setConnectionTimeout(connectionTimeoutMillis);
    // No connection at start: the first step opens it, and a database not created yet is no error.
    config.setInitializationFailTimeout(-1);
    config.setScheduledExecutor(housekeeping);
    config.addDataSourceProperty("ApplicationName", "taskifai-provisioning");
    config.addDataSourceProperty("connectTimeout", "10");
    return new HikariDataSource(config);
  }

  @Override
  public void close() {
    pools.values().forEach(p -> p.dataSource.close());
    pools.clear();
    housekeeping.shutdownNow();
  }

  /** Hands out pooled connections with the role and session settings reset. */
  private static final class ResettingDataSource implements DataSource {
    private final Pool pool;

    ResettingDataSource(Pool pool) {
      this.pool = pool;
    }

    @Override
    public Connection getConnection() throws SQLException {
      pool.lastUse = System.currentTimeMillis();
      Connection c = pool.dataSource.getConnection();
      try (Statement st = c.createStatement()) {
        st.execute("RESET ROLE; RESET ALL");
      } catch (SQLException e) {
        c.close();
        throw e;
      }
      return c;
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
      throw new SQLFeatureNotSupportedException("the pool connects as the server admin");
    }

    @Override
    public PrintWriter getLogWriter() {
      return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {}

    @Override
    public void setLoginTimeout(int seconds) {}

    @Override
    public int getLoginTimeout() {
      return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
      if (iface.isInstance(this)) {
        return iface.cast(this);
      }
      throw new SQLException("not a wrapper of " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
      return iface.isInstance(this);
    }
  }
}
