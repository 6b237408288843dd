package com.taskifai.registry;

import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The servers' shared trial databases in {@code trial_databases}: one row per server, written
 * before the database is made (with the app role's sealed password) and marked ready once it is.
 */
public final class TrialDatabases {
  /** A server's row: the app role's password as sealed, and whether the database is made. */
  public record Row(String sealedAppPassword, boolean ready) {}

  private final JdbcClient jdbc;

  public TrialDatabases(DataSource platform) {
    this.jdbc = JdbcClient.create(platform);
  }

  /** Whether {@code database} is the shared trial database of some server. */
  public boolean isShared(String database) {
    return jdbc.sql("SELECT count(*) FROM trial_databases WHERE database_name = :db")
            .param("db", database)
            .query(Integer.class)
            .single()
        > 0;
  }

  /**
   * Records the server's shared trial database unless it is recorded already (the first row and its
   * password stay, so every attempt uses the same one).
   */
  public void record(
      String serverId, String database, String ownerRole, String appRole, String sealedPassword) {
    jdbc.sql(
            "INSERT INTO trial_databases (server_id, database_name, owner_role, app_role,"
                + " app_password) VALUES (:server, :db, :owner, :app, :password)"
                + " ON CONFLICT (server_id) DO NOTHING")
        .param("server", serverId)
        .param("db", database)
        .param("owner", ownerRole)
        .param("app", appRole)
        .param("password", sealedPassword)
        .update();
  }

  /** The server's row, if recorded. */
  public Optional<Row> find(String serverId) {
    return jdbc.sql("SELECT app_password, ready FROM trial_databases WHERE server_id = :server")
        .param("server", serverId)
        .query((rs, i) -> new Row(rs.getString(1), rs.getBoolean(2)))
        .optional();
  }

  /** Marks the server's shared trial database made. */
  public void markReady(String serverId) {
    jdbc.sql("UPDATE trial_databases SET ready = true WHERE server_id = :server")
        .param("server", serverId)
        .update();
  }
}
