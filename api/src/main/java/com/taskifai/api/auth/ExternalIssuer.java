package com.taskifai.api.auth;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.stereotype.Component;

/**
 * The rules for admin tokens of an external OIDC issuer ({@code taskifai.admin-jwks-uri}). Such a
 * token counts only when it names the configured issuer ({@code taskifai.admin-jwt-issuer}) and
 * audience ({@code taskifai.admin-jwt-audience}); roles come only from the configured claim ({@code
 * taskifai.admin-jwt-roles-claim}, default {@code roles}, a dotted path such as {@code
 * realm_access.roles} reaches into nested objects), and MFA only from the configured claim ({@code
 * taskifai.admin-jwt-mfa-claim}, empty by default: the token must be stepped up with {@code POST
 * /admin/mfa} before it changes anything). The API refuses to start when a JWKS URI is set without
 * issuer or audience.
 */
@org.springframework.boot.context.properties.EnableConfigurationProperties(
    com.taskifai.api.AdminSettings.class)
@Component
public class ExternalIssuer {
  /** Values of the MFA claim (RFC 8176 {@code amr} values) that mean a second factor was used. */
  static final List<String> MFA_VALUES = List.of("otp", "mfa", "hwk", "swk", "sms");

  private final String jwksUri;
  private final String issuer;
  private final String audience;
  private final String rolesClaim;
  private final String mfaClaim;

  @org.springframework.beans.factory.annotation.Autowired
  public ExternalIssuer(com.taskifai.api.AdminSettings s) {
    this(
        s.adminJwksUri(),
        s.adminJwtIssuer(),
        s.adminJwtAudience(),
        s.adminJwtRolesClaim(),
        s.adminJwtMfaClaim());
  }

  public ExternalIssuer(
      String jwksUri, String issuer, String audience, String rolesClaim, String mfaClaim) {
    this.jwksUri = jwksUri == null ? "" : jwksUri.strip();
    this.issuer = issuer == null ? "" : issuer.strip();
    this.audience = audience == null ? "" : audience.strip();
    this.rolesClaim = rolesClaim == null || rolesClaim.isBlank() ? "roles" : rolesClaim.strip();
    this.mfaClaim = mfaClaim == null ? "" : mfaClaim.strip();
    if (this.jwksUri.isEmpty()) {
      return;
    }
    if (this.issuer.isEmpty()) {
      throw new IllegalStateException(
          "taskifai.admin-jwks-uri is set, so taskifai.admin-jwt-issuer"
              + " (TASKIFAI_ADMIN_JWT_ISSUER) must name the issuer whose tokens are accepted");
    }
    if (this.issuer.equals(AdminTokens.ISSUER)) {
      throw new IllegalStateException(
          "taskifai.admin-jwt-issuer must not be '"
              + AdminTokens.ISSUER
              + "': that is the platform's own issuer");
    }
    if (this.audience.isEmpty()) {
      throw new IllegalStateException(
          "taskifai.admin-jwks-uri is set, so taskifai.admin-jwt-audience"
              + " (TASKIFAI_ADMIN_JWT_AUDIENCE) must name the audience the tokens are issued for");
    }
  }

  /** Whether external tokens are accepted at all. */
  boolean enabled() {
    return !jwksUri.isEmpty();
  }

  /** The decoder of external tokens: signature from the JWKS, expiry, issuer and audience. */
  JwtDecoder decoder() {
    NimbusJwtDecoder decoder = NimbusJwtDecoder.withJwkSetUri(jwksUri).build();
    OAuth2TokenValidator<Jwt> audienceCheck =
        new JwtClaimValidator<List<String>>(
            JwtClaimNames.AUD, aud -> aud != null && aud.contains(audience));
    decoder.setJwtValidator(
        new DelegatingOAuth2TokenValidator<>(
            JwtValidators.createDefaultWithIssuer(issuer), audienceCheck));
    return decoder;
  }

  /** Whether the token is the platform's own (else it came from the external issuer). */
  static boolean own(Jwt jwt) {
    return AdminTokens.ISSUER.equals(jwt.getClaimAsString(JwtClaimNames.ISS));
  }

  /** The roles of a token: the own tokens' {@code roles}, else the configured claim only. */
  List<String> roles(Jwt jwt) {
    return own(jwt) ? strings(jwt.getClaims().get("roles")) : strings(claim(jwt, rolesClaim));
  }

  /**
   * Whether an external token records a second factor, by the configured MFA claim; false when no
   * MFA claim is configured.
   */
  boolean externalMfa(Jwt jwt) {
    if (mfaClaim.isEmpty()) {
      return false;
    }
    return strings(claim(jwt, mfaClaim)).stream().anyMatch(MFA_VALUES::contains);
  }

  /** When an external token's subject authenticated ({@code auth_time}), if it says. */
  static Instant authTime(Jwt jwt) {
    Object value = jwt.getClaims().get("auth_time");
    if (value instanceof Instant i) {
      return i;
    }
    if (value instanceof Number n) {
      return Instant.ofEpochSecond(n.longValue());
    }
    if (value instanceof java.util.Date d) {
      return d.toInstant();
    }
    return null;
  }

  private static Object claim(Jwt jwt, String path) {
    Object value = jwt.getClaims();
    for (String part : path.split("\\.")) {
      if (!(value instanceof Map<?, ?> map)) {
        return null;
      }
      value = map.get(part);
    }
    return value;
  }

  private static List<String> strings(Object value) {
    List<String> out = new ArrayList<>();
    if (value instanceof String s) {
      for (String part : s.split("[\\s,]+")) {
        if (!part.isBlank()) {
          out.add(part);
        }
      }
    } else if (value instanceof Collection<?> c) {
      c.stream().filter(String.class::isInstance).map(String.class::cast).forEach(out::add);
    }
    return out;
  }
}
