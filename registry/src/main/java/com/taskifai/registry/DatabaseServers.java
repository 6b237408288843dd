package com.taskifai.registry;

import com.taskifai.registry.crypto.CredentialCipher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The PostgreSQL clusters that hold tenant databases. Their admin password is stored encrypted,
 * bound to the server id.
 */
public final class DatabaseServers {
  /** The connection budget of a server registered without one. */
  public static final int DEFAULT_CONNECTION_BUDGET = 100;

  /** A server id, as the table's CHECK has it. */
  public static final Pattern ID = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");

  private static final Pattern REGION = Pattern.compile("^[a-z0-9-]{1,32}$");

  /** Tenants that count against a server's capacity: every one placed that is not gone. */
  private static final String PLACED = "t.status NOT IN ('DELETED', 'FAILED')";

  private final JdbcClient jdbc;
  private final TransactionTemplate transactions;

  public DatabaseServers(DataSource dataSource) {
    this.jdbc = JdbcClient.create(dataSource);
    this.transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
  }

  /** A database server row; the password stays encrypted here. */
  public record Server(
      String id,
      String region,
      String jdbcUrl,
      String adminUsername,
      String encryptedAdminPassword,
      int capacity,
      String state,
      int connectionBudget) {

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

  /** A server to register; {@link #toString} leaves the password out. */
  public record NewServer(
      String id,
      String region,
      String jdbcUrl,
      String adminUsername,
      String adminPassword,
      int capacity,
      int connectionBudget) {

    /** Field name (snake_case) → what is wrong with it; empty when the server may be stored. */
    public Map<String, String> problems() {
      Map<String, String> problems = new LinkedHashMap<>();
      if (id == null || !ID.matcher(id).matches()) {
        problems.put(
            "id",
            "must be 1 to 63 lower-case letters, digits or hyphens, starting with a letter or digit"
                + " (such as 'pg-2')");
      }
      if (region == null || !REGION.matcher(region).matches()) {
        problems.put(
            "region", "must be 1 to 32 lower-case letters, digits or hyphens (such as 'eu-west')");
      }
      if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql://")) {
        problems.put(
            "jdbc_url",
            "must be a PostgreSQL JDBC URL such as jdbc:postgresql://host:5432/postgres");
      } else if (jdbcUrl.toLowerCase(java.util.Locale.ROOT).contains("password=")) {
        problems.put(
            "jdbc_url",
            "must not carry a password (it would be stored in clear); give admin_password");
      }
      if (adminUsername == null || adminUsername.isBlank()) {
        problems.put("admin_username", "is required");
      }
      if (adminPassword == null || adminPassword.isEmpty()) {
        problems.put("admin_password", "is required");
      }
      if (capacity < 0) {
        problems.put("capacity", "must be 0 or more (tenants the server may hold)");
      }
      if (connectionBudget < 1) {
        problems.put(
            "connection_budget", "must be 1 or more (connections all routers may hold together)");
      }
      return problems;
    }

    @Override
    public String toString() {
      return "NewServer[" + id + ", " + region + ", " + jdbcUrl + "]";
    }
  }

  /**
   * Stores a new server, its admin password encrypted; false when a server with that id exists
   * (nothing is changed then). Check {@link NewServer#problems} and reachability first ({@link
   * ServerHealth#probe}).
   */
  public boolean register(CredentialCipher cipher, NewServer server) {
    return register(cipher, server, false);
  }

  /**
   * As {@link #register(CredentialCipher, NewServer)}; {@code privateNetwork} marks the server as
   * on a private network, which production accepts without {@code sslmode=verify-full} ({@link
   * #tlsProblem}).
   */
  public boolean register(CredentialCipher cipher, NewServer server, boolean privateNetwork) {
    return jdbc.sql(
                "INSERT INTO database_servers (id, region, jdbc_url, admin_username, admin_password,"
                    + " capacity, connection_budget, private_network) VALUES (:id, :region, :url,"
                    + " :user, :pw, :cap, :budget, :private) ON CONFLICT (id) DO NOTHING")
            .param("private", privateNetwork)
            .param("id", server.id())
            .param("region", server.region())
            .param("url", server.jdbcUrl())
            .param("user", server.adminUsername())
            .param("pw", cipher.encrypt(server.adminPassword(), context(server.id())))
            .param("cap", server.capacity())
            .param("budget", server.connectionBudget())
            .update()
        == 1;
  }

  /**
   * Adds or updates a server. {@code jdbcUrl} points at any database of the cluster (the
   * maintenance database {@code postgres} is usual); tenant databases are created beside it. An
   * existing server keeps its connection budget.
   */
  public void upsert(
      CredentialCipher cipher,
      String id,
      String region,
      String jdbcUrl,
      String adminUsername,
      String adminPassword,
      int capacity) {
    upsert(cipher, id, region, jdbcUrl, adminUsername, adminPassword, capacity, null);
  }

  /** Adds or updates a server with its connection budget. */
  public void upsert(CredentialCipher cipher, NewServer server) {
    upsert(
        cipher,
        server.id(),
        server.region(),
        server.jdbcUrl(),
        server.adminUsername(),
        server.adminPassword(),
        server.capacity(),
        server.connectionBudget());
  }

  private void upsert(
      CredentialCipher cipher,
      String id,
      String region,
      String jdbcUrl,
      String adminUsername,
      String adminPassword,
      int capacity,
      Integer connectionBudget) {
    jdbc.sql(
            "INSERT INTO database_servers (id, region, jdbc_url, admin_username, admin_password,"
                + " capacity, connection_budget)"
                + " VALUES (:id, :region, :url, :user, :pw, :cap, COALESCE(:budget, "
                + DEFAULT_CONNECTION_BUDGET
                + "))"
                + " ON CONFLICT (id) DO UPDATE SET region = EXCLUDED.region, jdbc_url = EXCLUDED.jdbc_url,"
                + " admin_username = EXCLUDED.admin_username, admin_password = EXCLUDED.admin_password,"
                + " capacity = EXCLUDED.capacity,"
                + " connection_budget = COALESCE(:budget, database_servers.connection_budget)")
        .param("id", id)
        .param("region", region)
        .param("url", jdbcUrl)
        .param("user", adminUsername)
        .param("pw", cipher.encrypt(adminPassword, context(id)))
        .param("cap", capacity)
        .param("budget", connectionBudget, java.sql.Types.INTEGER)
        .update();
  }

  /** Marks (or unmarks) a server as on a private network; false when there is no such server. */
  public boolean setPrivateNetwork(String id, boolean privateNetwork) {
    return jdbc.sql("UPDATE database_servers SET private_network = :p WHERE id = :id")
            .param("p", privateNetwork)
            .param("id", id)
            .update()
        == 1;
  }

  /** True when the server is registered as on a private network (false when there is none). */
  public boolean onPrivateNetwork(String id) {
    return jdbc.sql("SELECT private_network FROM database_servers WHERE id = :id")
        .param("id", id)
        .query(Boolean.class)
        .optional()
        .orElse(false);
  }

  /**
   * Why production refuses to connect to a server with this URL, or empty: one on another host
   * needs {@code sslmode=verify-full} unless it is on a private network ({@link DatabaseTls}).
   */
  public static Optional<String> tlsProblem(String jdbcUrl, boolean privateNetwork) {
    return DatabaseTls.productionProblem(jdbcUrl, privateNetwork);
  }

  /**
   * Each registered server that production would refuse now ({@link #tlsProblem}), as {@code server
   * <id> <why>}: servers registered before the check existed, or by a dev process. Names ids only,
   * never a URL (one may hold a password).
   */
  public List<String> tlsProblems() {
    List<String> problems = new ArrayList<>();
    jdbc.sql("SELECT id, jdbc_url, private_network FROM database_servers ORDER BY id")
        .query(
            rs -> {
              String id = rs.getString("id");
              tlsProblem(rs.getString("jdbc_url"), rs.getBoolean("private_network"))
                  .ifPresent(why -> problems.add("server " + id + " " + why));
            });
    return problems;
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

  /** Sets the connection budget; false when there is no such server. */
  public boolean setConnectionBudget(String id, int budget) {
    return jdbc.sql("UPDATE database_servers SET connection_budget = :b WHERE id = :id")
            .param("b", budget)
            .param("id", id)
            .update()
        == 1;
  }

  /**
   * Moves a server to state {@code to} when it is in one of {@code from}; false when it is not (or
   * there is no such server).
   */
  public boolean changeState(String id, Set<String> from, String to) {
    return jdbc.sql("UPDATE database_servers SET state = :to WHERE id = :id AND state IN (:from)")
            .param("to", to)
            .param("id", id)
            .param("from", List.copyOf(from))
            .update()
        == 1;
  }

  /**
   * Closes a server that holds no tenant (none placed that is not DELETED or FAILED), under the
   * placement lock of its region, so no placement lands on it meanwhile. Returns -1 when there is
   * no such server, 0 when it is CLOSED now (or was), else the tenants it still holds (then it is
   * left as it is).
   */
  public long closeIfEmpty(String id) {
    Long result =
        transactions.execute(
            tx -> {
              Optional<Server> server = find(id);
              if (server.isEmpty()) {
                return -1L;
              }
              jdbc.sql("SELECT pg_advisory_xact_lock(hashtext('taskifai.placement'), hashtext(:r))")
                  .param("r", server.get().region())
                  .query(rs -> {});
              long placed = placedTenants(id);
              if (placed > 0) {
                return placed;
              }
              jdbc.sql("UPDATE database_servers SET state = 'CLOSED' WHERE id = :id")
                  .param("id", id)
                  .update();
              return 0L;
            });
    return result == null ? -1 : result;
  }

  /**
   * Whether the server is the database of a tenant of another provider (a Supabase project
   * registered as a server), which must never be opened to placement.
   */
  public boolean holdsProviderProjects(String id) {
    return jdbc.sql(
            "SELECT EXISTS (SELECT 1 FROM tenants WHERE database_server_id = :id"
                + " AND database_provider <> 'postgres')")
        .param("id", id)
        .query(Boolean.class)
        .single();
  }

  /** Tenants placed on each server that are not DELETED or FAILED (servers without any: absent). */
  public Map<String, Long> placedTenants() {
    Map<String, Long> counts = new LinkedHashMap<>();
    jdbc.sql(
            "SELECT t.database_server_id AS id, count(*) AS n FROM tenants t"
                + " WHERE t.database_server_id IS NOT NULL AND "
                + PLACED
                + " GROUP BY t.database_server_id")
        .query(
            rs -> {
              counts.put(rs.getString("id"), rs.getLong("n"));
            });
    return counts;
  }

  /** The tenants placed on one server that are not DELETED or FAILED. */
  public long placedTenants(String id) {
    return jdbc.sql("SELECT count(*) FROM tenants t WHERE t.database_server_id = :id AND " + PLACED)
        .param("id", id)
        .query(Long.class)
        .single();
  }

  /** The database names of the tenants placed on each server that are not DELETED or FAILED. */
  public Map<String, List<String>> placedDatabases() {
    Map<String, List<String>> names = new LinkedHashMap<>();
    jdbc.sql(
            "SELECT t.database_server_id AS id, t.database_name AS db FROM tenants t"
                + " WHERE t.database_server_id IS NOT NULL AND t.database_name IS NOT NULL AND "
                + PLACED)
        .query(
            rs -> {
              names
                  .computeIfAbsent(rs.getString("id"), k -> new java.util.ArrayList<>())
                  .add(rs.getString("db"));
            });
    return names;
  }

  /**
   * The OPEN server in the region with room (fewer tenants placed than its capacity, counting every
   * tenant that is not DELETED or FAILED), least loaded first: fewest tenants, then id. Empty when
   * none has room.
   */
  public Optional<Server> placeFor(String region) {
    return jdbc.sql(PLACE_FOR).param("region", region).query(DatabaseServers::map).optional();
  }

  private static final String PLACE_FOR =
      "SELECT s.* FROM database_servers s"
          + " LEFT JOIN tenants t ON t.database_server_id = s.id AND "
          + PLACED
          + " WHERE s.state = 'OPEN' AND s.region = :region"
          + " GROUP BY s.id"
          + " HAVING count(t.tenant_id) < s.capacity"
          + " ORDER BY count(t.tenant_id), s.id"
          + " LIMIT 1";

  /**
   * Picks a server as {@link #placeFor} does and records it with the database name on the tenant,
   * in one transaction under a lock per region, so placements running at once never put more
   * tenants on a server than its capacity. Empty (and nothing recorded) when no server has room.
   */
  public Optional<Server> placeAndAssign(UUID tenantId, String region, String databaseName) {
    return transactions.execute(
        tx -> {
          jdbc.sql("SELECT pg_advisory_xact_lock(hashtext('taskifai.placement'), hashtext(:r))")
              .param("r", region)
              .query(rs -> {});
          Optional<Server> server = placeFor(region);
          server.ifPresent(
              s ->
                  jdbc.sql(
                          "UPDATE tenants SET database_server_id = :server, database_name = :db"
                              + " WHERE tenant_id = :id")
                      .param("server", s.id())
                      .param("db", databaseName)
                      .param("id", tenantId)
                      .update());
          return server;
        });
  }

  private static Server map(java.sql.ResultSet rs, int row) throws java.sql.SQLException {
    return new Server(
        rs.getString("id"),
        rs.getString("region"),
        rs.getString("jdbc_url"),
        rs.getString("admin_username"),
        rs.getString("admin_password"),
        rs.getInt("capacity"),
        rs.getString("state"),
        rs.getInt("connection_budget"));
  }
}
