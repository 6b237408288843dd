package com.taskifai.activities.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.registry.testing.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An isolated database on the embedded server: PUBLIC (any other login role) cannot connect, the
 * named roles can, and CONNECT can be taken from and given back to one role.
 */
class IsolatedDatabaseTest {
  private static final String PASSWORD = "isolated-test-pw";

  private final String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  private final String database = "isolated_" + suffix;
  private final String owner = "iso_owner_" + suffix;
  private final String app = "iso_app_" + suffix;
  private final String stranger = "iso_stranger_" + suffix;
  private final DataSource server = TestPostgres.superuser("postgres");

  @AfterEach
  void dropEverything() {
    TestPostgres.execute(
        server,
        "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)",
        "DROP ROLE IF EXISTS " + owner,
        "DROP ROLE IF EXISTS " + app,
        "DROP ROLE IF EXISTS " + stranger);
  }

  @Test
  void onlyTheNamedRolesCanConnectToADatabaseCreatedIsolated() throws SQLException {
    createLoginRoles();
    try (Connection c = server.getConnection()) {
      IsolatedDatabase.create(c, database, owner, IsolatedDatabase.EMPTY, List.of(owner, app));
    }

    assertThat(connects(owner)).isTrue();
    assertThat(connects(app)).isTrue();
    assertThatThrownBy(() -> connects(stranger))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("does not have CONNECT privilege");
  }

  @Test
  void revokingConnectLocksOneRoleOutAndGrantingLetsItBackIn() throws SQLException {
    createLoginRoles();
    try (Connection c = server.getConnection()) {
      IsolatedDatabase.create(c, database, owner, null, List.of(owner, app));
      IsolatedDatabase.revokeConnect(c, database, app);
    }
    assertThatThrownBy(() -> connects(app)).hasMessageContaining("does not have CONNECT privilege");
    assertThat(connects(owner)).isTrue();

    try (Connection c = server.getConnection()) {
      IsolatedDatabase.grantConnect(c, database, List.of(app));
      // Isolating again (a retry) keeps the grants and still shuts PUBLIC out.
      IsolatedDatabase.isolate(c, database, List.of(owner, app));
    }
    assertThat(connects(app)).isTrue();
    assertThatThrownBy(() -> connects(stranger))
        .hasMessageContaining("does not have CONNECT privilege");
  }

  private void createLoginRoles() {
    for (String role : List.of(owner, app, stranger)) {
      TestPostgres.execute(server, "CREATE ROLE " + role + " LOGIN PASSWORD '" + PASSWORD + "'");
    }
  }

  private boolean connects(String role) throws SQLException {
    try (Connection c = TestPostgres.dataSource(database, role, PASSWORD).getConnection()) {
      return c.isValid(5);
    }
  }
}
