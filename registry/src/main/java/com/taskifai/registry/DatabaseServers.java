package com.taskifai.registry;

import com.taskifai.registry.crypto.CredentialCipher;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The PostgreSQL clusters that hold tenant databases. Their admin password is stored encrypted,
 * bound to the server id.
 */
public final class DatabaseServers {
  private final JdbcClient jdbc;

  public DatabaseServers(DataSource dataSource) {
    this.jdbc = JdbcClient.create(dataSource);
  }

  /** A database server row; the password stays encrypted here. */
  public record Server(
      String id,
      String region,
      String jdbcUrl,
      String adminUsername,
      String encryptedAdminPassword,
      int capacity,
      String state) {

    /** Decrypts the admin password (kept in memory only). */
    public String adminPassword(CredentialCipher cipher) {
      return cipher.decrypt(encryptedAdminPassword, context(id));
    }

    @Override
    public String toString() {
      return "Server[" + id + ", " + region + ", " + state + "]";
    }
  }

  /** The context bound into a server's encrypted admin password. */
  public static String context(String serverId) {
    return "database_server:" + serverId + ":admin_password";
  }

  /**
   * Adds or updates a server. {@code jdbcUrl} points at any database of the cluster (the
   * maintenance database {@code postgres} is usual); tenant databases are created beside it.
   */
  public void upsert(
      CredentialCipher cipher,
      String id,
      String region,
      String jdbcUrl,
      String adminUsername,
      String adminPassword,
      int capacity) {
    jdbc.sql(
            "INSERT INTO database_servers (id, region, jdbc_url, admin_username, admin_password, capacity)"
                + " VALUES (:id, :region, :url, :user, :pw, :cap)"
                + " ON CONFLICT (id) DO UPDATE SET region = EXCLUDED.region, jdbc_url = EXCLUDED.jdbc_url,"
                + " admin_username = EXCLUDED.admin_username, admin_password = EXCLUDED.admin_password,"
                + " capacity = EXCLUDED.capacity")
        .param("id", id)
        .param("region", region)
        .param("url", jdbcUrl)
        .param("user", adminUsername)
        .param("pw", cipher.encrypt(adminPassword, context(id)))
        .param("cap", capacity)
        .update();
  }

  public Optional<Server> find(String id) {
    return jdbc.sql("SELECT * FROM database_servers WHERE id = :id")
        .param("id", id)
        .query(DatabaseServers::map)
        .optional();
  }

  public List<Server> all() {
    return jdbc.sql("SELECT * FROM database_servers ORDER BY id")
        .query(DatabaseServers::map)
        .list();
  }

  /**
   * The OPEN server in the region with the most room left, counting every tenant placed on it that
   * is not DELETED or FAILED; empty when none has room.
   */
  public Optional<Server> placeFor(String region) {
    return jdbc.sql(
            "SELECT s.* FROM database_servers s"
                + " LEFT JOIN tenants t ON t.database_server_id = s.id"
                + "   AND t.status NOT IN ('DELETED', 'FAILED')"
                + " WHERE s.state = 'OPEN' AND s.region = :region"
                + " GROUP BY s.id"
                + " HAVING count(t.tenant_id) < s.capacity"
                + " ORDER BY s.capacity - count(t.tenant_id) DESC, s.id"
                + " LIMIT 1")
        .param("region", region)
        .query(DatabaseServers::map)
        .optional();
  }

  private static Server map(java.sql.ResultSet rs, int row) throws java.sql.SQLException {
    return new Server(
        rs.getString("id"),
        rs.getString("region"),
        rs.getString("jdbc_url"),
        rs.getString("admin_username"),
        rs.getString("admin_password"),
        rs.getInt("capacity"),
        rs.getString("state"));
  }
}
