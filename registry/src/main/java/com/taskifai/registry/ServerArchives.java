package com.taskifai.registry;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The WAL archives of the database servers ({@code server_archives}): where each archiving server's
 * pgBackRest configuration lives, and what its newest base backup run found. The dev platform
 * records its embedded servers' archives here; the base-backup workers read them and write back the
 * earliest restorable moment.
 */
public final class ServerArchives {
  private final JdbcClient jdbc;

  public ServerArchives(DataSource dataSource) {
    this.jdbc = JdbcClient.create(dataSource);
  }

  /**
   * One server's archive. {@code earliestRestorableAt} is null until a base backup exists; {@code
   * lastBackupError} says why the newest base backup run failed (null when it did not).
   */
  public record Archive(
      String serverId,
      String configFile,
      String repository,
      int retentionDays,
      Instant earliestRestorableAt,
      Instant lastBackupAt,
      String lastBackupError) {}

  /**
   * Records (or updates) where a server's archive is. Idempotent: a second call with the same
   * values changes nothing but {@code updated_at}; what base backups found is kept.
   */
  public void record(String serverId, String configFile, String repository, int retentionDays) {
    jdbc.sql(
            "INSERT INTO server_archives (server_id, config_file, repository, retention_days)"
                + " VALUES (:id, :config, :repo, :days)"
                + " ON CONFLICT (server_id) DO UPDATE SET config_file = EXCLUDED.config_file,"
                + " repository = EXCLUDED.repository, retention_days = EXCLUDED.retention_days,"
                + " updated_at = now()")
        .param("id", serverId)
        .param("config", configFile)
        .param("repo", repository)
        .param("days", retentionDays)
        .update();
  }

  /** Records a finished base backup run and the earliest moment a restore can now reach. */
  public void backedUp(String serverId, Instant at, Instant earliestRestorable) {
    jdbc.sql(
            "UPDATE server_archives SET last_backup_at = :at, earliest_restorable_at = :earliest,"
                + " last_backup_error = NULL, updated_at = now() WHERE server_id = :id")
        .param("id", serverId)
        .param("at", Timestamp.from(at))
        .param("earliest", earliestRestorable == null ? null : Timestamp.from(earliestRestorable))
        .update();
  }

  /** Records why a base backup run failed; what the last good one found stays. */
  public void backupFailed(String serverId, String error) {
    jdbc.sql(
            "UPDATE server_archives SET last_backup_error = :error, updated_at = now()"
                + " WHERE server_id = :id")
        .param("id", serverId)
        .param("error", error)
        .update();
  }

  public Optional<Archive> find(String serverId) {
    return jdbc.sql("SELECT * FROM server_archives WHERE server_id = :id")
        .param("id", serverId)
        .query(ServerArchives::map)
        .optional();
  }

  /** Every recorded archive, in server id order. */
  public List<Archive> all() {
    return jdbc.sql("SELECT * FROM server_archives ORDER BY server_id")
        .query(ServerArchives::map)
        .list();
  }

  private static Archive map(ResultSet rs, int row) throws SQLException {
    Timestamp earliest = rs.getTimestamp("earliest_restorable_at");
    Timestamp last = rs.getTimestamp("last_backup_at");
    return new Archive(
        rs.getString("server_id"),
        rs.getString("config_file"),
        rs.getString("repository"),
        rs.getInt("retention_days"),
        earliest == null ? null : earliest.toInstant(),
        last == null ? null : last.toInstant(),
        rs.getString("last_backup_error"));
  }
}
