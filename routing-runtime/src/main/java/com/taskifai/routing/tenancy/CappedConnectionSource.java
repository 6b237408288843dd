package com.taskifai.routing.tenancy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * The physical connection source of one tenant pool: each connection it opens holds a permit of the
 * global cap until HikariCP closes it (and, with {@link SynchronousCloseSocketFactory}, until the
 * server's backend has exited), so the pools of all tenants together never hold more connections
 * than the cap, counted on the server; and a slot of its database server's connection budget
 * ({@link ServerBudget}, shared with the other routers), when the server has one.
 */
final class CappedConnectionSource extends DelegatingDataSource {
  private final ConnectionCap cap;
  private final UUID tenantId;
  private final ServerBudget server;
  private volatile int loginTimeoutSeconds;

  CappedConnectionSource(DataSource target, ConnectionCap cap, UUID tenantId, ServerBudget server) {
    super(target);
    this.cap = cap;
    this.tenantId = tenantId;
    this.server = server;
  }

  @Override
  public Connection getConnection() throws SQLException {
    boolean permitted;
    try {
      permitted = cap.acquire(tenantId, server);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLTransientConnectionException("interrupted while waiting for a connection");
    }
    if (!permitted) {
      throw new SQLTransientConnectionException(
          "the global cap of " + cap.cap() + " tenant connections is reached");
    }
    Connection c;
    try {
      c = obtainTargetDataSource().getConnection();
      // The socket timeout bounded the login (see setLoginTimeout); queries wait as long as they
      // take, as before. HikariCP reads this as the pool's network timeout and keeps it.
      c.setNetworkTimeout(Runnable::run, 0);
    } catch (SQLException | RuntimeException e) {
      cap.release(server);
      throw e;
    }
    AtomicBoolean released = new AtomicBoolean();
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              boolean closing = method.getName().equals("close") && method.getParameterCount() == 0;
              boolean aborting =
                  method.getName().equals("abort")
                      && args != null
                      && args.length == 1
                      && args[0] instanceof Executor;
              if (aborting) {
                // abort closes the socket later on the given executor: the permit comes back
                // after that, not when abort returns.
                Executor executor = (Executor) args[0];
                Executor releasing =
                    task ->
                        executor.execute(
                            () -> {
                              try {
                                task.run();
                              } finally {
                                if (released.compareAndSet(false, true)) {
                                  cap.release(server);
                                }
                              }
                            });
                try {
                  c.abort(releasing);
                  return null;
                } catch (SQLException | RuntimeException e) {
                  if (released.compareAndSet(false, true)) {
                    cap.release(server);
                  }
                  throw e;
                }
              }
              try {
                return method.invoke(c, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              } finally {
                if (closing && released.compareAndSet(false, true)) {
                  cap.release(server);
                }
              }
            });
  }

  /**
   * Kept, not passed on: the PostgreSQL driver enforces a login timeout by opening each connection
   * on a thread of its own, one more thread started and ended per new connection, which the router
   * opens at the rate of its requests when more tenants are active than the cap holds. The tenant
   * pools bound the login with the driver's connect and socket timeouts instead ({@link
   * TenantPools}). HikariCP reads the value back as how long to wait for its threads to end when a
   * pool closes.
   */
  @Override
  public void setLoginTimeout(int seconds) {
    loginTimeoutSeconds = seconds;
  }

  @Override
  public int getLoginTimeout() {
    return loginTimeoutSeconds;
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException("the tenant's own credentials are used");
  }
}
