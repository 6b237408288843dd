package com.taskifai.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.security.oauth2.jwt.Jwt;

/** The API does not start with a JWKS URI but no issuer or audience; the claims it reads. */
class ExternalIssuerSettingsTest {
  private final ApplicationContextRunner context =
      new ApplicationContextRunner().withUserConfiguration(ExternalIssuer.class);

  @Test
  void refusesToStartWithAJwksUriButNoIssuer() {
    context
        .withPropertyValues(
            "taskifai.admin-jwks-uri=http://127.0.0.1:1/jwks.json",
            "taskifai.admin-jwt-audience=taskifai")
        .run(
            ctx ->
                assertThat(ctx.getStartupFailure())
                    .rootCause()
                    .hasMessageContaining("taskifai.admin-jwt-issuer")
                    .hasMessageContaining("TASKIFAI_ADMIN_JWT_ISSUER"));
  }

  @Test
  void refusesToStartWithAJwksUriButNoAudience() {
    context
        .withPropertyValues(
            "taskifai.admin-jwks-uri=http://127.0.0.1:1/jwks.json",
            "taskifai.admin-jwt-issuer=https://idp.example")
        .run(
            ctx ->
                assertThat(ctx.getStartupFailure())
                    .rootCause()
                    .hasMessageContaining("taskifai.admin-jwt-audience"));
  }

  @Test
  void refusesThePlatformsOwnIssuerAsTheExternalOne() {
    context
        .withPropertyValues(
            "taskifai.admin-jwks-uri=http://127.0.0.1:1/jwks.json",
            "taskifai.admin-jwt-issuer=" + AdminTokens.ISSUER,
            "taskifai.admin-jwt-audience=taskifai")
        .run(ctx -> assertThat(ctx.getStartupFailure()).rootCause().hasMessageContaining("own"));
  }

  @Test
  void startsWithoutAnyExternalIssuer() {
    context.run(ctx -> assertThat(ctx).hasNotFailed());
  }

  @Test
  void readsMfaOnlyFromTheConfiguredClaim() {
    ExternalIssuer none = new ExternalIssuer("http://idp/jwks", "https://idp", "api", "roles", "");
    ExternalIssuer acr =
        new ExternalIssuer("http://idp/jwks", "https://idp", "api", "roles", "acr");
    Jwt token =
        Jwt.withTokenValue("t")
            .header("alg", "RS256")
            .issuer("https://idp")
            .claim("amr", List.of("otp"))
            .claim("acr", "mfa")
            .claim("groups", Map.of("admin", List.of("platform_admin")))
            .issuedAt(Instant.now())
            .build();
    assertThat(none.externalMfa(token)).isFalse();
    assertThat(acr.externalMfa(token)).isTrue();
    ExternalIssuer nested =
        new ExternalIssuer("http://idp/jwks", "https://idp", "api", "groups.admin", "");
    assertThat(nested.roles(token)).containsExactly("platform_admin");
    assertThat(none.roles(token)).isEmpty();
  }
}
