package com.taskifai.registry;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Creates and migrates the platform database. Migrations run as the database owner; the platform
 * then runs as {@code platformRole}, a role that is not a superuser and may only append to the
 * audit log.
 */
public final class PlatformDatabase {
  private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private PlatformDatabase() {}

  /**
   * Creates the database and the platform role if they are absent, and sets the role's password.
   * Runs on a connection of a superuser (or a role with CREATEDB and CREATEROLE) to any database of
   * the cluster. Idempotent.
   */
  public static void ensureDatabaseAndRole(
      DataSource clusterAdmin, String database, String platformRole, String platformPassword) {
    requireIdentifier(database);
    requireIdentifier(platformRole);
    JdbcClient jdbc = JdbcClient.create(clusterAdmin);
    boolean roleExists =
        jdbc.sql("SELECT count(*) FROM pg_roles WHERE rolname = :r")
                .param("r", platformRole)
                .query(Integer.class)
                .single()
            > 0;
    try (Connection c = clusterAdmin.getConnection();
        Statement st = c.createStatement()) {
      String pw = "'" + platformPassword.replace("'", "''") + "'";
      if (!roleExists) {
        st.execute(
            "CREATE ROLE "
                + platformRole
                + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD "
                + pw);
      } else {
        st.execute("ALTER ROLE " + platformRole + " LOGIN PASSWORD " + pw);
      }
      boolean dbExists =
          jdbc.sql("SELECT count(*) FROM pg_database WHERE datname = :d")
                  .param("d", database)
                  .query(Integer.class)
                  .single()
              > 0;
      if (!dbExists) {
        st.execute("CREATE DATABASE " + database);
      }
      st.execute("REVOKE ALL ON DATABASE " + database + " FROM PUBLIC");
      st.execute("GRANT CONNECT, TEMPORARY ON DATABASE " + database + " TO " + platformRole);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot prepare the platform database " + database, e);
    }
  }

  /** Applies the platform migrations ({@code db/platform}) as the owner of the database. */
  public static void migrate(DataSource owner, String platformRole) {
    requireIdentifier(platformRole);
    Flyway.configure()
        .dataSource(owner)
        .locations("classpath:db/platform")
        .placeholders(Map.of("platform_role", platformRole))
        .load()
        .migrate();
  }

  private static void requireIdentifier(String name) {
    if (!IDENTIFIER.matcher(name).matches()) {
      throw new IllegalArgumentException("'" + name + "' is not a plain lower-case SQL identifier");
    }
  }
}
