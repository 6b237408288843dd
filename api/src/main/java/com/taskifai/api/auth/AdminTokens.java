package com.taskifai.api.auth;

import com.nimbusds.jose.jwk.source.ImmutableSecret;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;

/**
 * Issues the platform's own admin tokens: HS256 JWTs with the platform-admin role, the methods of
 * authentication ({@code amr}) and when the admin authenticated ({@code auth_time}).
 */
public final class AdminTokens {
  /** The {@code iss} of the platform's own admin tokens. */
  public static final String ISSUER = "taskifai-admin";

  /** The role every admin endpoint needs, in the {@code roles} claim. */
  public static final String ROLE = "platform_admin";

  private final SecretKey key;
  private final NimbusJwtEncoder encoder;

  AdminTokens(SecretKey key) {
    this.key = key;
    this.encoder = new NimbusJwtEncoder(new ImmutableSecret<>(key));
  }

  /**
   * The HS256 key for a configured secret (any length: it is hashed to 256 bits), or a random key
   * when the secret is blank, so a dev platform's tokens stop working when it restarts.
   */
  public static SecretKey signingKey(String secret) {
    byte[] raw;
    if (secret == null || secret.isBlank()) {
      raw = new byte[32];
      new SecureRandom().nextBytes(raw);
    } else {
      try {
        raw =
            MessageDigest.getInstance("SHA-256")
                .digest(("taskifai-admin-jwt|" + secret).getBytes(StandardCharsets.UTF_8));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is not available", e);
      }
    }
    return new SecretKeySpec(raw, "HmacSHA256");
  }

  SecretKey key() {
    return key;
  }

  /** A signed token for an admin who just proved the password and/or a one-time code. */
  public String issue(
      UUID adminId,
      String email,
      List<String> amr,
      Instant authTime,
      Instant now,
      long ttlSeconds) {
    JwtClaimsSet claims =
        JwtClaimsSet.builder()
            .issuer(ISSUER)
            .subject(adminId.toString())
            .id(UUID.randomUUID().toString())
            .issuedAt(now)
            .expiresAt(now.plusSeconds(ttlSeconds))
            .claim("email", email)
            .claim("roles", List.of(ROLE))
            .claim("amr", amr)
            .claim("auth_time", authTime.getEpochSecond())
            .build();
    return encoder
        .encode(JwtEncoderParameters.from(JwsHeader.with(MacAlgorithm.HS256).build(), claims))
        .getTokenValue();
  }
}
