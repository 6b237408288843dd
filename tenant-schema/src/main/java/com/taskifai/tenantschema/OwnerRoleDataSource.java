package com.taskifai.tenantschema;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * Hands out the admin's connections switched to the owner role, and switches them back on close, so
 * a pooled admin connection never goes back to its pool still acting as a tenant's owner.
 * Migrations that touch rows after RLS is forced act as a tenant admin ({@code app.user_role}).
 */
final class OwnerRoleDataSource extends DelegatingDataSource {
  private final String ownerRole;

  OwnerRoleDataSource(DataSource admin, String ownerRole) {
    super(admin);
    this.ownerRole = ownerRole;
  }

  @Override
  public Connection getConnection() throws SQLException {
    return wrap(obtainTargetDataSource().getConnection());
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    return wrap(obtainTargetDataSource().getConnection(username, password));
  }

  private Connection wrap(Connection c) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute("SET ROLE " + ownerRole);
      st.execute("SET app.user_role = 'admin'");
    } catch (SQLException e) {
      c.close();
      throw e;
    }
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              if (method.getName().equals("close") && method.getParameterCount() == 0) {
                reset(c);
              }
              try {
                return method.invoke(c, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  private static void reset(Connection c) {
    try {
      if (!c.isClosed()) {
        if (!c.getAutoCommit()) {
          c.rollback();
        }
        try (Statement st = c.createStatement()) {
          st.execute("RESET ROLE");
          st.execute("RESET app.user_role");
        }
      }
    } catch (SQLException ignored) {
      // A broken connection is discarded by its pool; nothing of the role survives it.
    }
  }
}
