package com.taskifai.registry;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The rows of {@code platform_admins}: password hashes and sealed TOTP secrets as the caller made
 * them (hashing, sealing and checking codes is the admin API's), keyed by the normalized e-mail.
 */
public final class PlatformAdmins {
  /** An administrator as stored; the secrets stay sealed. */
  public record Admin(
      UUID id, String email, String passwordHash, String sealedTotpSecret, Long lastTotpStep) {}

  private final JdbcClient jdbc;

  public PlatformAdmins(DataSource platform) {
    this.jdbc = JdbcClient.create(platform);
  }

  /** The administrator with this (already normalized) e-mail. */
  public Optional<Admin> find(String normalizedEmail) {
    return jdbc.sql(
            "SELECT id, email, password_hash, totp_secret, last_totp_step"
                + " FROM platform_admins WHERE email = :email")
        .param("email", normalizedEmail)
        .query(
            (rs, i) ->
                new Admin(
                    rs.getObject("id", UUID.class),
                    rs.getString("email"),
                    rs.getString("password_hash"),
                    rs.getString("totp_secret"),
                    (Long) rs.getObject("last_totp_step")))
        .optional();
  }

  /** Adds an administrator. */
  public void insert(UUID id, String normalizedEmail, String passwordHash, String sealedTotp) {
    jdbc.sql(
            "INSERT INTO platform_admins (id, email, password_hash, totp_secret)"
                + " VALUES (:id, :email, :hash, :totp)")
        .param("id", id)
        .param("email", normalizedEmail)
        .param("hash", passwordHash)
        .param("totp", sealedTotp)
        .update();
  }

  /** Replaces an administrator's password hash and sealed TOTP secret. */
  public void updateCredentials(UUID id, String passwordHash, String sealedTotp) {
    jdbc.sql(
            "UPDATE platform_admins SET password_hash = :hash, totp_secret = :totp"
                + " WHERE id = :id")
        .param("hash", passwordHash)
        .param("totp", sealedTotp)
        .param("id", id)
        .update();
  }

  /**
   * Claims a one-time code's time step for a login at {@code now}: one statement, so two logins
   * racing with the same code cannot both win.
   *
   * @return false when this step (or a later one) has logged in before
   */
  public boolean claimTotpStep(UUID id, long step, Instant now) {
    return jdbc.sql(
                "UPDATE platform_admins SET last_totp_step = :step, last_login_at = :now"
                    + " WHERE id = :id AND (last_totp_step IS NULL OR last_totp_step < :step)")
            .param("step", step)
            .param("now", Timestamp.from(now))
            .param("id", id)
            .update()
        > 0;
  }

  /** Gives the administrator a new sealed TOTP secret and forgets the last used time step. */
  public void resetTotp(UUID id, String sealedTotp) {
    jdbc.sql("UPDATE platform_admins SET totp_secret = :totp, last_totp_step = NULL WHERE id = :id")
        .param("totp", sealedTotp)
        .param("id", id)
        .update();
  }

  /**
   * Removes the administrator with this e-mail (trimmed and lower-cased here). The platform role
   * may not delete admins; call this on the database owner's data source.
   *
   * @return false when no administrator has this e-mail
   */
  public boolean remove(String email) {
    return jdbc.sql("DELETE FROM platform_admins WHERE email = lower(trim(:email))")
            .param("email", email)
            .update()
        > 0;
  }
}
