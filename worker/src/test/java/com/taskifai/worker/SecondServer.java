package com.taskifai.worker;

import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.embedded.EmbeddedPostgresVersion;
import com.taskifai.registry.embedded.LogicalReplicationSettings;
import com.taskifai.registry.embedded.PasswordCheckedPostgres;
import com.taskifai.registry.testing.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A second, real PostgreSQL cluster for the tests that move tenants between servers, registered as
 * database server {@code local-2} in region {@code local} (the shared test server is {@code
 * local-1}). Its superuser has the same password as the shared server's. {@link #postgres17} starts
 * a third one on PostgreSQL 17, {@code local-3}.
 */
final class SecondServer implements AutoCloseable {
  static final String FIRST = "local-1";
  static final String SECOND = "local-2";
  static final String THIRD = "local-3";

  private final EmbeddedPostgres pg;
  private final DataSource platformOwner;
  private final String serverId;

  SecondServer(EmbeddedPlatform embedded) throws IOException {
    this(embedded, false);
  }

  /**
   * With {@code logical}, the server runs {@code wal_level = logical} (as the dev servers do):
   * moves off it copy online. The shared server stays at {@code replica}, so moves off it use
   * pg_dump.
   */
  SecondServer(EmbeddedPlatform embedded, boolean logical) throws IOException {
    this(embedded, logical, SECOND, EmbeddedPostgresVersion.V15);
  }

  /**
   * A PostgreSQL 17 server with {@code wal_level = logical}, registered as {@code local-3} and
   * CLOSED: nothing is placed on it until a test opens it (to move or drain tenants onto it).
   */
  static SecondServer postgres17(EmbeddedPlatform embedded) throws IOException {
    SecondServer server = new SecondServer(embedded, true, THIRD, EmbeddedPostgresVersion.V17);
    server.state(THIRD, "CLOSED");
    return server;
  }

  /**
   * A PostgreSQL 15 server with {@code wal_level = logical} registered as {@code serverId} (OPEN),
   * with {@code settings} on top (the move benchmark's servers).
   */
  static SecondServer logical(
      EmbeddedPlatform embedded, String serverId, java.util.Map<String, String> settings)
      throws IOException {
    return new SecondServer(embedded, true, serverId, EmbeddedPostgresVersion.V15, settings);
  }

  private SecondServer(
      EmbeddedPlatform embedded, boolean logical, String serverId, EmbeddedPostgresVersion version)
      throws IOException {
    this(embedded, logical, serverId, version, java.util.Map.of());
  }

  private SecondServer(
      EmbeddedPlatform embedded,
      boolean logical,
      String serverId,
      EmbeddedPostgresVersion version,
      java.util.Map<String, String> settings)
      throws IOException {
    this.serverId = serverId;
    EmbeddedPostgres.Builder builder = version.apply(EmbeddedPostgres.builder());
    if (logical) {
      LogicalReplicationSettings.apply(builder);
    }
    settings.forEach(builder::setServerConfig);
    pg =
        PasswordCheckedPostgres.start(
            builder,
            Files.createTempDirectory("taskifai-second-pg"),
            TestPostgres.superuserPassword());
    platformOwner = embedded.platform.owner();
    new DatabaseServers(embedded.platform.platform())
        .upsert(
            embedded.cipher,
            serverId,
            "local",
            "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres",
            "postgres",
            TestPostgres.superuserPassword(),
            500);
  }

  /** The superuser on a database of the server {@code serverId} (local-1 or this one). */
  DataSource superuser(String serverId, String database) {
    if (FIRST.equals(serverId)) {
      return TestPostgres.superuser(database);
    }
    if (!this.serverId.equals(serverId)) {
      throw new IllegalArgumentException(serverId + " is not " + this.serverId + " or " + FIRST);
    }
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl("jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/" + database);
    ds.setUser(PasswordCheckedPostgres.SUPERUSER);
    ds.setPassword(TestPostgres.superuserPassword());
    return ds;
  }

  /** The databases of a tenant on a server. */
  List<String> tenantDatabases(String serverId, UUID tenant) {
    return JdbcClient.create(superuser(serverId, "postgres"))
        .sql("SELECT datname FROM pg_database WHERE datname LIKE :p ORDER BY datname")
        .param("p", "tenant_" + tenant.toString().replace("-", "") + "%")
        .query(String.class)
        .list();
  }

  /** The roles of a tenant on a server. */
  List<String> tenantRoles(String serverId, UUID tenant) {
    return JdbcClient.create(superuser(serverId, "postgres"))
        .sql("SELECT rolname FROM pg_roles WHERE rolname LIKE :p ORDER BY rolname")
        .param("p", "t_" + tenant.toString().replace("-", "") + "%")
        .query(String.class)
        .list();
  }

  /** Sets a server's state (OPEN, DRAINING, CLOSED). */
  void state(String serverId, String state) {
    JdbcClient.create(platformOwner)
        .sql("UPDATE database_servers SET state = :s WHERE id = :id")
        .param("s", state)
        .param("id", serverId)
        .update();
  }

  String state(String serverId) {
    return JdbcClient.create(platformOwner)
        .sql("SELECT state FROM database_servers WHERE id = :id")
        .param("id", serverId)
        .query(String.class)
        .single();
  }

  @Override
  public void close() throws IOException {
    pg.close();
  }
}
