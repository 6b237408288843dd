package com.taskifai.routing.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A tenant connection's close returns only when its server backend has left {@code
 * pg_stat_activity}, so the permit of the global cap cannot come back while the old session still
 * counts on the server (the driver alone closes at once and leaves the backend exiting).
 */
class SynchronousCloseTest {
  static final int ROUNDS = 40;

  @Test
  void aClosedConnectionsBackendIsGoneWhenCloseReturns() throws Exception {
    PGSimpleDataSource plain = (PGSimpleDataSource) TestPostgres.superuser("postgres");
    PGSimpleDataSource synchronous = (PGSimpleDataSource) TestPostgres.superuser("postgres");
    synchronous.setSocketFactory(SynchronousCloseSocketFactory.class.getName());
    try (Connection monitor = TestPostgres.superuser("postgres").getConnection()) {
      int lingering = lingeringAfterClose(plain, monitor);
      int lingeringSynchronous = lingeringAfterClose(synchronous, monitor);
      System.out.printf(
          "backends still listed right after close: driver alone %d of %d, synchronous close %d"
              + " of %d%n",
          lingering, ROUNDS, lingeringSynchronous, ROUNDS);
      assertThat(lingeringSynchronous).isZero();
    }
  }

  private static int lingeringAfterClose(PGSimpleDataSource source, Connection monitor)
      throws SQLException {
    int lingering = 0;
    for (int i = 0; i < ROUNDS; i++) {
      int pid;
      Connection c = source.getConnection();
      try (Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
        rs.next();
        pid = rs.getInt(1);
      }
      c.close();
      try (PreparedStatement ps =
          monitor.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE pid = ?")) {
        ps.setInt(1, pid);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          lingering += rs.getInt(1);
        }
      }
    }
    return lingering;
  }
}
