package com.taskifai.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.sun.net.httpserver.HttpServer;
import com.taskifai.api.testing.AdminHttp;
import com.taskifai.api.testing.AdminHttp.Answer;
import com.taskifai.api.testing.ApiTestBase;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Tokens of an external OIDC issuer (RS256, keys from its JWKS URI, served here over real HTTP):
 * they read, but change nothing until a one-time code steps them up. Only tokens of the configured
 * issuer and audience count, roles come only from the configured claim, and the token's own {@code
 * amr} does not count as MFA.
 */
class ExternalIssuerTest extends ApiTestBase {
  private static final RSAKey KEY = rsa("idp-1");
  private static final RSAKey OTHER_KEY = rsa("idp-1");
  private static final HttpServer IDP = jwks(KEY);
  private static final String ISSUER = "https://idp.example";
  private static final String AUDIENCE = "taskifai-admin-api";

  @Autowired AdminAccounts accounts;

  @DynamicPropertySource
  static void issuer(DynamicPropertyRegistry props) {
    props.add(
        "taskifai.admin-jwks-uri",
        () -> "http://127.0.0.1:" + IDP.getAddress().getPort() + "/jwks.json");
    props.add("taskifai.admin-jwt-issuer", () -> ISSUER);
    props.add("taskifai.admin-jwt-audience", () -> AUDIENCE);
    props.add("taskifai.admin-jwt-roles-claim", () -> "realm_access.roles");
  }

  @AfterAll
  static void stopIdp() {
    IDP.stop(0);
  }

  private static RSAKey rsa(String kid) {
    try {
      return new RSAKeyGenerator(2048).keyID(kid).generate();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static HttpServer jwks(RSAKey key) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      byte[] body = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
      server.createContext(
          "/jwks.json",
          exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
          });
      server.start();
      return server;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String idpToken(RSAKey key, String email) {
    return idpToken(key, email, ISSUER, AUDIENCE, b -> {});
  }

  private static String idpToken(
      RSAKey key,
      String email,
      String issuer,
      String audience,
      java.util.function.Consumer<JwtClaimsSet.Builder> more) {
    Instant now = Instant.now();
    JwtClaimsSet.Builder builder =
        JwtClaimsSet.builder()
            .issuer(issuer)
            .audience(List.of(audience))
            .subject(UUID.randomUUID().toString())
            .issuedAt(now)
            .expiresAt(now.plusSeconds(300))
            .claim("email", email)
            .claim("realm_access", java.util.Map.of("roles", List.of(AdminTokens.ROLE)));
    more.accept(builder);
    JwtClaimsSet claims = builder.build();
    return new NimbusJwtEncoder(new ImmutableJWKSet<>(new JWKSet(key)))
        .encode(
            JwtEncoderParameters.from(
                JwsHeader.with(SignatureAlgorithm.RS256).keyId(key.getKeyID()).build(), claims))
        .getTokenValue();
  }

  @Test
  void anExternalTokenReadsButStepsUpWithAOneTimeCodeBeforeItChangesAnything() {
    String email = "sso-" + UUID.randomUUID().toString().substring(0, 8) + "@taskifai.test";
    String secret = TotpCodes.newSecret();
    accounts.createOrUpdate(email, "unused password", secret);
    String external = idpToken(KEY, email);

    assertThat(http.get("/admin/tenants", external).status()).isEqualTo(200);
    String body = AdminHttp.json("company_name", "", "subdomain", "x");
    Answer refused = http.post("/admin/tenants", body, external);
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.text("error")).isEqualTo("mfa_required");

    Answer up =
        http.post(
            "/admin/mfa",
            AdminHttp.json("totp", TotpCodes.codeAt(secret, Instant.now())),
            external);
    assertThat(up.status()).isEqualTo(200);
    assertThat(http.post("/admin/tenants", body, up.text("access_token")).status())
        .isEqualTo(400); // past the MFA check, stopped by validation
  }

  @Test
  void refusesATokenSignedWithAKeyTheIssuerDoesNotPublish() {
    assertThat(http.get("/admin/tenants", idpToken(OTHER_KEY, "x@taskifai.test")).status())
        .isEqualTo(401);
  }

  @Test
  void refusesATokenOfAnotherIssuerOrForAnotherAudience() {
    assertThat(
            http.get(
                    "/admin/tenants",
                    idpToken(KEY, "x@taskifai.test", "https://evil.example", AUDIENCE, b -> {}))
                .status())
        .isEqualTo(401);
    assertThat(
            http.get(
                    "/admin/tenants",
                    idpToken(KEY, "x@taskifai.test", ISSUER, "another-service", b -> {}))
                .status())
        .isEqualTo(401);
  }

  @Test
  void takesRolesOnlyFromTheConfiguredClaim() {
    String rolesElsewhere =
        idpToken(
            KEY,
            "x@taskifai.test",
            ISSUER,
            AUDIENCE,
            b ->
                b.claim("realm_access", java.util.Map.of("roles", List.of("viewer")))
                    .claim("roles", List.of(AdminTokens.ROLE)));
    assertThat(http.get("/admin/tenants", rolesElsewhere).status()).isEqualTo(403);
  }

  @Test
  void theExternalTokensOwnAmrAndAuthTimeDoNotCountAsMfa() {
    String claimsMfa =
        idpToken(
            KEY,
            "x@taskifai.test",
            ISSUER,
            AUDIENCE,
            b ->
                b.claim("amr", List.of("pwd", "otp"))
                    .claim("auth_time", Instant.now().getEpochSecond()));
    Answer refused =
        http.post(
            "/admin/tenants", AdminHttp.json("company_name", "", "subdomain", "x"), claimsMfa);
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.text("error")).isEqualTo("mfa_required");
  }
}
