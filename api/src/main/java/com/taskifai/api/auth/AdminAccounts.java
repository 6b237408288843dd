package com.taskifai.api.auth;

import com.taskifai.registry.PlatformAdmins;
import com.taskifai.registry.PlatformAdmins.Admin;
import com.taskifai.registry.crypto.CredentialCipher;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * The platform administrators in the registry's {@link PlatformAdmins}: BCrypt password hashes,
 * TOTP secrets sealed with the {@link CredentialCipher}, and refusal of a one-time code whose time
 * step already logged in. No account is ever locked: failures are slowed down per account and
 * client address by the login controller's back-off ({@link
 * com.taskifai.registry.auth.LoginBackoff}).
 */
public final class AdminAccounts {
  private final PlatformAdmins rows;
  private final CredentialCipher cipher;
  private final PasswordEncoder passwords = new BCryptPasswordEncoder();
  // A hash to compare against when the e-mail is unknown, so the answer takes as long either way.
  private final String dummyHash = passwords.encode(UUID.randomUUID().toString());

  public AdminAccounts(DataSource dataSource, CredentialCipher cipher) {
    this(new PlatformAdmins(dataSource), cipher);
  }

  public AdminAccounts(PlatformAdmins rows, CredentialCipher cipher) {
    this.rows = rows;
    this.cipher = cipher;
  }

  /** Why a login or a step-up was refused. */
  public enum Refusal {
    /** Unknown e-mail or wrong password (not told apart). */
    BAD_CREDENTIALS,
    /** The password was right, the one-time code was not. */
    BAD_CODE,
    /** The one-time code's time step has logged in before. */
    REPLAYED_CODE
  }

  /** The result of a login or step-up: the admin, or why not (admin null: unknown e-mail). */
  public record Outcome(UUID adminId, String email, Refusal refusal) {
    public boolean accepted() {
      return refusal == null;
    }
  }

  /**
   * Creates the administrator, or updates the password and TOTP secret of the one with this e-mail
   * Used by the launcher to create the dev admin. Returns the admin's id.
   */
  public UUID createOrUpdate(String email, String password, String totpSecretBase32) {
    String normalized = normalize(email);
    if (normalized.length() < 3 || !normalized.contains("@")) {
      throw new IllegalArgumentException("admin e-mail must be an address such as ops@example.com");
    }
    if (password == null || password.length() < 8) {
      throw new IllegalArgumentException("admin password must be at least 8 characters long");
    }
    TotpCodes.code(totpSecretBase32, 0); // fails early on a secret that is not base32
    String hash = passwords.encode(password);
    Optional<Admin> existing = find(normalized);
    UUID id = existing.map(Admin::id).orElseGet(UUID::randomUUID);
    String sealed = cipher.encrypt(totpSecretBase32, totpContext(id));
    if (existing.isPresent()) {
      rows.updateCredentials(id, hash, sealed);
    } else {
      rows.insert(id, normalized, hash, sealed);
    }
    return id;
  }

  /**
   * Checks e-mail, password and one-time code. An unknown e-mail costs a BCrypt check against a
   * dummy hash, so it takes as long as a wrong password.
   */
  public Outcome login(String email, String password, String totpCode, Instant now) {
    Optional<Admin> found = find(normalize(email));
    if (found.isEmpty()) {
      passwords.matches(password == null ? "" : password, dummyHash);
      return refused(null, Refusal.BAD_CREDENTIALS);
    }
    Admin admin = found.get();
    if (password == null || !passwords.matches(password, admin.passwordHash())) {
      return refused(admin, Refusal.BAD_CREDENTIALS);
    }
    return checkCode(admin, totpCode, now);
  }

  /** Checks a one-time code of a known admin (step-up). */
  public Outcome stepUp(String email, String totpCode, Instant now) {
    Optional<Admin> found = find(normalize(email));
    if (found.isEmpty()) {
      return refused(null, Refusal.BAD_CREDENTIALS);
    }
    Admin admin = found.get();
    return checkCode(admin, totpCode, now);
  }

  private Outcome checkCode(Admin admin, String totpCode, Instant now) {
    String secret = cipher.decrypt(admin.sealedTotpSecret(), totpContext(admin.id()));
    OptionalLong step = TotpCodes.matchingStep(secret, totpCode, now);
    if (step.isEmpty()) {
      return refused(admin, Refusal.BAD_CODE);
    }
    if (!rows.claimTotpStep(admin.id(), step.getAsLong(), now)) {
      return refused(admin, Refusal.REPLAYED_CODE);
    }
    return new Outcome(admin.id(), admin.email(), null);
  }

  private static Outcome refused(Admin admin, Refusal refusal) {
    return new Outcome(
        admin == null ? null : admin.id(), admin == null ? null : admin.email(), refusal);
  }

  Optional<Admin> find(String normalizedEmail) {
    return rows.find(normalizedEmail);
  }

  static String normalize(String email) {
    return email == null ? "" : email.strip().toLowerCase(Locale.ROOT);
  }

  static String totpContext(UUID adminId) {
    return "platform_admin:" + adminId + ":totp";
  }

  /**
   * Gives the administrator a new TOTP secret (the operator's {@code admins reset-mfa}) and unlocks
   * the account; false when no administrator has this e-mail.
   */
  public boolean resetMfa(String email, String totpSecretBase32) {
    TotpCodes.code(totpSecretBase32, 0); // fails early on a secret that is not base32
    Optional<Admin> existing = find(normalize(email));
    if (existing.isEmpty()) {
      return false;
    }
    UUID id = existing.get().id();
    rows.resetTotp(id, cipher.encrypt(totpSecretBase32, totpContext(id)));
    return true;
  }

  /** True when an administrator has this e-mail. */
  public boolean exists(String email) {
    return find(normalize(email)).isPresent();
  }
}
