package com.taskifai.api.auth;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;

/**
 * Issues and checks the platform's own admin tokens: JWTs with the platform-admin role, the methods
 * of authentication ({@code amr}) and when the admin authenticated ({@code auth_time}). HS256 with
 * a shared secret in dev; RS256 with an RSA key pair in production, whose public half is published
 * at {@code /admin/jwks.json}.
 */
public final class AdminTokens {
  /** The {@code iss} of the platform's own admin tokens. */
  public static final String ISSUER = "taskifai-admin";

  /** The role every admin endpoint needs, in the {@code roles} claim. */
  public static final String ROLE = "platform_admin";

  private final NimbusJwtEncoder encoder;
  private final JwsHeader header;
  private final NimbusJwtDecoder decoder;
  private final RSAKey rsa;

  private AdminTokens(
      NimbusJwtEncoder encoder, JwsHeader header, NimbusJwtDecoder decoder, RSAKey rsa) {
    this.encoder = encoder;
    this.header = header;
    this.decoder = decoder;
    this.rsa = rsa;
    decoder.setJwtValidator(JwtValidators.createDefaultWithIssuer(ISSUER));
  }

  /** HS256 tokens with this key (see {@link #signingKey}). */
  static AdminTokens hs256(SecretKey key) {
    return new AdminTokens(
        new NimbusJwtEncoder(new ImmutableSecret<>(key)),
        JwsHeader.with(MacAlgorithm.HS256).build(),
        NimbusJwtDecoder.withSecretKey(key).macAlgorithm(MacAlgorithm.HS256).build(),
        null);
  }

  /** RS256 tokens signed with this RSA key pair. */
  static AdminTokens rs256(RSAKey key) {
    try {
      return new AdminTokens(
          new NimbusJwtEncoder(new ImmutableJWKSet<>(new JWKSet(key))),
          JwsHeader.with(SignatureAlgorithm.RS256).keyId(key.getKeyID()).build(),
          NimbusJwtDecoder.withPublicKey(key.toRSAPublicKey())
              .signatureAlgorithm(SignatureAlgorithm.RS256)
              .build(),
          key);
    } catch (com.nimbusds.jose.JOSEException e) {
      throw new IllegalArgumentException("the RSA key has no usable public half", e);
    }
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

  /** Reads an RSA private key (PEM, PKCS#8 "BEGIN PRIVATE KEY") and names it {@code keyId}. */
  public static RSAKey readRsaKey(Path pem, String keyId) {
    try {
      String text = Files.readString(pem, StandardCharsets.US_ASCII);
      String body = text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
      KeyFactory rsa = KeyFactory.getInstance("RSA");
      RSAPrivateCrtKey priv =
          (RSAPrivateCrtKey)
              rsa.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
      RSAPublicKey pub =
          (RSAPublicKey)
              rsa.generatePublic(new RSAPublicKeySpec(priv.getModulus(), priv.getPublicExponent()));
      return new RSAKey.Builder(pub).privateKey(priv).keyID(keyId).build();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the admin token key " + pem, e);
    } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
      throw new IllegalStateException(
          "the admin token key " + pem + " is not an RSA private key in PKCS#8 PEM form", e);
    }
  }

  /** The JWS algorithm of this platform's own tokens (HS256 or RS256). */
  String algorithm() {
    return header.getAlgorithm().getName();
  }

  /** The key id of the own RSA key, or null for HS256. */
  String keyId() {
    return rsa == null ? null : rsa.getKeyID();
  }

  /** Checks a token of this platform's own issuer. */
  JwtDecoder decoder() {
    return decoder;
  }

  /** The public keys that verify the platform's own tokens (empty for HS256). */
  Map<String, Object> publicJwks() {
    return rsa == null ? new JWKSet().toJSONObject() : new JWKSet(rsa.toPublicJWK()).toJSONObject();
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
    return encoder.encode(JwtEncoderParameters.from(header, claims)).getTokenValue();
  }
}
