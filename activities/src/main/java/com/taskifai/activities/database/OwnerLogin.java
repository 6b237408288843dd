package com.taskifai.activities.database;

import com.taskifai.activities.StepFailure;
import com.taskifai.workflows.FailureType;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tenant owner role's one-time login, so that {@code pg_restore} runs as that role and never as
 * the server's admin: whatever a backup (or a copied dump) holds then runs with the rights of the
 * tenant's own objects, and {@code RESET ROLE} in an archive leads back to the owner, not to a
 * superuser. The owner role is {@code NOLOGIN} otherwise; {@link #open} gives it {@code LOGIN}, a
 * random password (sent as a SCRAM verifier, so it reaches no server log), one connection and an
 * expiry; {@link #close} takes all of it back. The password lives in this object only and goes to
 * the client program's environment, never its arguments.
 *
 * <p>A second {@link #open} (a retried step) sets a new password; a login left behind by a worker
 * that died is unusable once it expires, and the next restore or move of the tenant closes it.
 */
final class OwnerLogin implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OwnerLogin.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** How long the password is accepted; a restore only needs it to log in once, at its start. */
  static final Duration VALID_FOR = Duration.ofHours(1);

  private final ServerAdmin admin;
  private final String role;
  private final String password;

  private OwnerLogin(ServerAdmin admin, String role, String password) {
    this.admin = admin;
    this.role = role;
    this.password = password;
  }

  /**
   * Lets {@code ownerRole} log in once with a fresh password.
   *
   * @throws io.temporal.failure.ApplicationFailure (non-retryable) when the role is missing or has
   *     rights beyond a tenant owner's (superuser, CREATEROLE, CREATEDB, REPLICATION, BYPASSRLS)
   */
  static OwnerLogin open(ServerAdmin admin, String ownerRole, String step) {
    byte[] secret = new byte[24];
    RANDOM.nextBytes(secret);
    String password = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    try (Connection c = admin.maintenance().getConnection()) {
      requirePlainOwner(c, ownerRole, admin.serverId());
      ServerAdmin.grantRoleToAdmin(c, ownerRole);
      ServerAdmin.execute(
          c,
          "ALTER ROLE "
              + ownerRole
              + " LOGIN CONNECTION LIMIT 1 VALID UNTIL '"
              + Instant.now().plus(VALID_FOR)
              + "'");
      c.unwrap(PGConnection.class)
          .alterUserPassword(ownerRole, password.toCharArray(), "scram-sha-256");
    } catch (SQLException e) {
      throw StepFailure.of(
          FailureType.UNAVAILABLE,
          step + ": cannot let " + ownerRole + " log in for the restore: " + e.getMessage());
    }
    return new OwnerLogin(admin, ownerRole, password);
  }

  String role() {
    return role;
  }

  /** The one-time password, for the client program's environment only. */
  String password() {
    return password;
  }

  /** Takes the login back ({@code NOLOGIN}, no password); a second call is a no-op. */
  @Override
  public void close() {
    try (Connection c = admin.maintenance().getConnection()) {
      ServerAdmin.execute(
          c,
          "ALTER ROLE "
              + role
              + " NOLOGIN PASSWORD NULL CONNECTION LIMIT -1 VALID UNTIL 'infinity'");
    } catch (SQLException e) {
      // The password expires on its own; the next restore or move of the tenant closes it.
      log.warn(
          "server {}: could not take the login of {} back: {}",
          admin.serverId(),
          role,
          e.getMessage());
    }
  }

  private static void requirePlainOwner(Connection c, String role, String serverId)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls"
                + " FROM pg_roles WHERE rolname = ?")) {
      ps.setString(1, role);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw StepFailure.of(
              FailureType.INVALID_STATE, "role " + role + " is missing on server " + serverId);
        }
        if (rs.getBoolean(1)) {
          throw StepFailure.of(
              FailureType.INVALID_STATE,
              "role "
                  + role
                  + " on server "
                  + serverId
                  + " has rights beyond a tenant owner's (superuser, CREATEROLE, CREATEDB,"
                  + " REPLICATION or BYPASSRLS); nothing is restored as it. Remove them"
                  + " (ALTER ROLE "
                  + role
                  + " NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS) and retry");
        }
      }
    }
  }
}
