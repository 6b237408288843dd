package com.taskifai.routing.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.taskifai.routing.RoutingSettings;
import com.taskifai.routing.tenancy.TenantUser;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Tenant JWTs: HS256, claims {@code tenant_id}, {@code sub} (user id), {@code role} and {@code
 * exp}. The secret comes from {@code TASKIFAI_TENANT_JWT_SECRET}; without it a random one is made
 * for this process (tokens then end with it), which is fine for a laptop only.
 */
@Component
public class TenantTokens {
  private static final Logger log = LoggerFactory.getLogger(TenantTokens.class);

  private final MACSigner signer;
  private final MACVerifier verifier;
  private final Duration ttl;
  private final Cache<String, Claims> verified =
      Caffeine.newBuilder().maximumSize(50_000).expireAfterWrite(Duration.ofMinutes(5)).build();

  /** A verified token's claims. */
  public record Claims(UUID tenantId, TenantUser user, Instant expiresAt) {}

  /** Why a token was refused; the message is safe to show. */
  public static final class InvalidTokenException extends Exception {
    InvalidTokenException(String message) {
      super(message);
    }
  }

  public TenantTokens(RoutingSettings settings) {
    byte[] secret;
    if (settings.tenantJwtSecret == null || settings.tenantJwtSecret.isBlank()) {
      log.warn("TASKIFAI_TENANT_JWT_SECRET is not set: using a random secret for this process");
      secret = new byte[32];
      new SecureRandom().nextBytes(secret);
    } else {
      secret = settings.tenantJwtSecret.getBytes(StandardCharsets.UTF_8);
      if (secret.length < 32) {
        throw new IllegalArgumentException(
            "TASKIFAI_TENANT_JWT_SECRET must be at least 32 bytes for HS256");
      }
    }
    try {
      this.signer = new MACSigner(secret);
      this.verifier = new MACVerifier(secret);
    } catch (JOSEException e) {
      throw new IllegalArgumentException("unusable tenant JWT secret: " + e.getMessage(), e);
    }
    this.ttl = settings.tokenTtl;
  }

  public Duration ttl() {
    return ttl;
  }

  /** A signed token for a user of a tenant. */
  public String issue(UUID tenantId, UUID userId, String role, Instant now) {
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .subject(userId.toString())
            .claim("tenant_id", tenantId.toString())
            .claim("role", role)
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(ttl)))
            .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a tenant token", e);
    }
    return jwt.serialize();
  }

  /**
   * Checks signature, algorithm, expiry and claim shapes. A token verified once is remembered (by
   * its exact text, until it expires) so a busy client does not pay for the HMAC and the JSON on
   * every request.
   */
  public Claims verify(String token, Instant now) throws InvalidTokenException {
    Claims known = verified.getIfPresent(token);
    if (known != null) {
      if (!known.expiresAt().isAfter(now)) {
        verified.invalidate(token);
        throw new InvalidTokenException("token has expired; sign in again");
      }
      return known;
    }
    Claims claims = verifyUncached(token, now);
    verified.put(token, claims);
    return claims;
  }

  private Claims verifyUncached(String token, Instant now) throws InvalidTokenException {
    try {
      SignedJWT jwt = SignedJWT.parse(token);
      if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm())) {
        throw new InvalidTokenException("token must be signed with HS256");
      }
      if (!jwt.verify(verifier)) {
        throw new InvalidTokenException("token signature is not valid");
      }
      JWTClaimsSet c = jwt.getJWTClaimsSet();
      Date exp = c.getExpirationTime();
      if (exp == null || !exp.toInstant().isAfter(now)) {
        throw new InvalidTokenException("token has expired; sign in again");
      }
      String role = c.getStringClaim("role");
      if (!"admin".equals(role) && !"user".equals(role)) {
        throw new InvalidTokenException("token carries no valid role");
      }
      UUID tenantId = UUID.fromString(c.getStringClaim("tenant_id"));
      UUID userId = UUID.fromString(c.getSubject());
      return new Claims(tenantId, new TenantUser(userId, role), exp.toInstant());
    } catch (ParseException | JOSEException | IllegalArgumentException | NullPointerException e) {
      throw new InvalidTokenException("token is malformed");
    }
  }
}
