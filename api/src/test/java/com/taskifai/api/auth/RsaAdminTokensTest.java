package com.taskifai.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import com.taskifai.api.testing.AdminHttp;
import com.taskifai.api.testing.AdminHttp.Answer;
import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.api.testing.ApiTestPlatform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Production signing: RS256 admin tokens from an RSA key file, public keys at /admin/jwks.json. */
class RsaAdminTokensTest extends ApiTestBase {
  private static final Path KEY_FILE = writeKey();

  @Autowired AdminAccounts accounts;

  @DynamicPropertySource
  static void rsa(DynamicPropertyRegistry props) {
    props.add("taskifai.admin-jwt-rsa-key-file", KEY_FILE::toString);
    props.add("taskifai.admin-jwt-key-id", () -> "prod-key-7");
  }

  private static Path writeKey() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      String pem =
          "-----BEGIN PRIVATE KEY-----\n"
              + Base64.getMimeEncoder()
                  .encodeToString(g.generateKeyPair().getPrivate().getEncoded())
              + "\n-----END PRIVATE KEY-----\n";
      Path file = Files.createTempFile("admin-jwt", ".pem");
      Files.writeString(file, pem);
      return file;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void loginIssuesRs256TokensThatThePublishedKeyVerifies() throws Exception {
    String email = "rsa-" + UUID.randomUUID().toString().substring(0, 8) + "@taskifai.test";
    String secret = TotpCodes.newSecret();
    accounts.createOrUpdate(email, "rsa password", secret);
    Answer login =
        http.post(
            "/admin/login",
            AdminHttp.json(
                "email",
                email,
                "password",
                "rsa password",
                "totp",
                TotpCodes.codeAt(secret, Instant.now())),
            null);
    assertThat(login.status()).isEqualTo(200);
    SignedJWT jwt = SignedJWT.parse(login.text("access_token"));
    assertThat(jwt.getHeader().getAlgorithm().getName()).isEqualTo("RS256");
    assertThat(jwt.getHeader().getKeyID()).isEqualTo("prod-key-7");

    Answer jwks = http.get("/admin/jwks.json", null);
    assertThat(jwks.status()).isEqualTo(200);
    RSAKey published = (RSAKey) JWKSet.parse(jwks.body()).getKeyByKeyId("prod-key-7");
    assertThat(published.isPrivate()).isFalse();
    assertThat(jwt.verify(new com.nimbusds.jose.crypto.RSASSAVerifier(published))).isTrue();
    assertThat(http.get("/admin/tenants", login.text("access_token")).status()).isEqualTo(200);
  }

  @Test
  void refusesHs256TokensOnceAnRsaKeySigns() {
    Instant now = Instant.now();
    JwtClaimsSet claims =
        JwtClaimsSet.builder()
            .issuer(AdminTokens.ISSUER)
            .subject("x")
            .issuedAt(now)
            .expiresAt(now.plusSeconds(600))
            .claim("roles", List.of(AdminTokens.ROLE))
            .build();
    String hs =
        new NimbusJwtEncoder(
                new com.nimbusds.jose.jwk.source.ImmutableSecret<>(
                    AdminTokens.signingKey(ApiTestPlatform.JWT_SECRET)))
            .encode(JwtEncoderParameters.from(JwsHeader.with(MacAlgorithm.HS256).build(), claims))
            .getTokenValue();
    assertThat(http.get("/admin/tenants", hs).status()).isEqualTo(401);
  }
}
