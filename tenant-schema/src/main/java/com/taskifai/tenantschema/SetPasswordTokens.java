package com.taskifai.tenantschema;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * One-time set-password tokens: the plain token goes into the welcome mail only; the tenant
 * database keeps its SHA-256 hash, so a copy of the database does not let anyone set a password.
 */
public final class SetPasswordTokens {
  private static final SecureRandom RANDOM = new SecureRandom();

  private SetPasswordTokens() {}

  /** A new token: 32 random bytes, base64url without padding. */
  public static String newToken() {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }

  /** The hex SHA-256 of a token, as stored in {@code users.set_password_token_hash}. */
  public static String hash(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
