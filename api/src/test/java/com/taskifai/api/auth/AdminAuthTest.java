package com.taskifai.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.taskifai.api.testing.AdminHttp;
import com.taskifai.api.testing.AdminHttp.Answer;
import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.api.testing.ApiTestPlatform;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import javax.crypto.SecretKey;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;

/** The auth matrix of the admin API, over real HTTP against real PostgreSQL. */
class AdminAuthTest extends ApiTestBase {
  private static final String PASSWORD = "correct horse battery";
  private static final String VALID_CREATE =
      AdminHttp.json("company_name", "Acme", "subdomain", "auth-acme", "admin_email", "a@acme.com");

  @Autowired AdminAccounts accounts;

  private record Admin(String email, String secret) {}

  private Admin newAdmin() {
    String email = "admin-" + UUID.randomUUID().toString().substring(0, 8) + "@taskifai.test";
    String secret = TotpCodes.newSecret();
    accounts.createOrUpdate(email, PASSWORD, secret);
    return new Admin(email, secret);
  }

  private Answer login(Admin a, String password, String code) {
    return http.post(
        "/admin/login",
        AdminHttp.json("email", a.email(), "password", password, "totp", code),
        null);
  }

  private static String code(Admin a, int stepOffset) {
    return TotpCodes.code(a.secret(), TotpCodes.stepAt(Instant.now()) + stepOffset);
  }

  private static String sign(SecretKey key, JwtClaimsSet claims) {
    return new NimbusJwtEncoder(new ImmutableSecret<>(key))
        .encode(JwtEncoderParameters.from(JwsHeader.with(MacAlgorithm.HS256).build(), claims))
        .getTokenValue();
  }

  private static JwtClaimsSet.Builder claims(Instant issued, Instant expires) {
    return JwtClaimsSet.builder()
        .issuer(AdminTokens.ISSUER)
        .subject(UUID.randomUUID().toString())
        .issuedAt(issued)
        .expiresAt(expires)
        .claim("email", "ops@taskifai.test")
        .claim("roles", List.of(AdminTokens.ROLE))
        .claim("amr", List.of("pwd", "otp"))
        .claim("auth_time", issued.getEpochSecond());
  }

  private static SecretKey platformKey() {
    return AdminTokens.signingKey(ApiTestPlatform.JWT_SECRET);
  }

  @Test
  void loginWithPasswordAndCodeGivesATokenThatReadsAndChanges() {
    Admin a = newAdmin();
    Answer answer = login(a, PASSWORD, code(a, 0));
    assertThat(answer.status()).isEqualTo(200);
    String token = answer.text("access_token");
    assertThat(answer.json().get("expires_in").asLong()).isBetween(60L, 3600L);

    assertThat(http.get("/admin/tenants", token).status()).isEqualTo(200);
    // A state change passes the MFA check and fails only on validation.
    Answer invalid =
        http.post("/admin/tenants", AdminHttp.json("company_name", "", "subdomain", "x"), token);
    assertThat(invalid.status()).isEqualTo(400);
  }

  @Test
  void refusesRequestsWithoutAToken() {
    Answer a = http.get("/admin/tenants", null);
    assertThat(a.status()).isEqualTo(401);
    assertThat(a.text("message")).contains("/admin/login");
    assertThat(http.post("/admin/tenants", VALID_CREATE, null).status()).isEqualTo(401);
  }

  @Test
  void refusesATokenSignedWithAnotherKey() {
    Instant now = Instant.now();
    String forged =
        sign(
            AdminTokens.signingKey("somebody-elses-secret"),
            claims(now, now.plusSeconds(600)).build());
    assertThat(http.get("/admin/tenants", forged).status()).isEqualTo(401);
    assertThat(http.get("/admin/tenants", "not-a-jwt").status()).isEqualTo(401);
  }

  @Test
  void refusesAnExpiredToken() {
    Instant issued = Instant.now().minusSeconds(3600);
    String expired = sign(platformKey(), claims(issued, issued.plusSeconds(600)).build());
    assertThat(http.get("/admin/tenants", expired).status()).isEqualTo(401);
  }

  @Test
  void refusesATokenOfAnotherIssuer() {
    Instant now = Instant.now();
    String foreign =
        sign(platformKey(), claims(now, now.plusSeconds(600)).issuer("someone-else").build());
    assertThat(http.get("/admin/tenants", foreign).status()).isEqualTo(401);
  }

  @Test
  void forbidsAValidTokenWithoutThePlatformAdminRole() {
    Instant now = Instant.now();
    String tenantAdmin =
        sign(
            platformKey(),
            claims(now, now.plusSeconds(600)).claim("roles", List.of("tenant_admin")).build());
    Answer a = http.get("/admin/tenants", tenantAdmin);
    assertThat(a.status()).isEqualTo(403);
    assertThat(a.text("message")).contains("platform_admin");
  }

  @Test
  void stateChangeNeedsATokenWithAOneTimeCode() {
    Instant now = Instant.now();
    String passwordOnly =
        tokens.issue(UUID.randomUUID(), "ops@taskifai.test", List.of("pwd"), now, now, 600);
    assertThat(http.get("/admin/tenants", passwordOnly).status()).isEqualTo(200);
    Answer a = http.post("/admin/tenants", VALID_CREATE, passwordOnly);
    assertThat(a.status()).isEqualTo(403);
    assertThat(a.text("error")).isEqualTo("mfa_required");
    assertThat(a.text("message")).contains("log in again with your one-time code");
    assertThat(http.delete("/admin/tenants/" + UUID.randomUUID(), passwordOnly).status())
        .isEqualTo(403);
  }

  @Test
  void stateChangeRefusesStaleMfa() {
    Instant now = Instant.now();
    String stale =
        tokens.issue(
            UUID.randomUUID(),
            "ops@taskifai.test",
            List.of("pwd", "otp"),
            now.minusSeconds(16 * 60),
            now,
            600);
    Answer a = http.post("/admin/tenants/" + UUID.randomUUID() + "/suspend", null, stale);
    assertThat(a.status()).isEqualTo(403);
    assertThat(a.text("error")).isEqualTo("mfa_required");
  }

  @Test
  void refusesAWrongPasswordOrCode() {
    Admin a = newAdmin();
    assertThat(login(a, "wrong password", code(a, 0)).status()).isEqualTo(401);
    String wrongCode = code(a, 0).equals("000000") ? "111111" : "000000";
    Answer bad = login(a, PASSWORD, wrongCode);
    assertThat(bad.status()).isEqualTo(401);
    assertThat(bad.text("access_token")).isNull();
    assertThat(login(a, PASSWORD, "12ab").status()).isEqualTo(401);
    Answer unknown =
        http.post(
            "/admin/login",
            AdminHttp.json("email", "nobody@taskifai.test", "password", PASSWORD, "totp", "123456"),
            null);
    assertThat(unknown.status()).isEqualTo(401);
    assertThat(unknown.text("message")).isEqualTo(bad.text("message"));
  }

  @Test
  void refusesACodeThatLoggedInBefore() {
    Admin a = newAdmin();
    String code = code(a, 0);
    assertThat(login(a, PASSWORD, code).status()).isEqualTo(200);
    Answer replay = login(a, PASSWORD, code);
    assertThat(replay.status()).isEqualTo(401);
    assertThat(replay.text("error")).isEqualTo("code_already_used");
    // An older code within the drift window is refused too: steps only move forward.
    assertThat(login(a, PASSWORD, code(a, -1)).status()).isEqualTo(401);
  }

  @Test
  void backsOffAfterFiveFailuresEvenForTheRightCredentials() {
    Admin a = newAdmin();
    for (int i = 0; i < 5; i++) {
      assertThat(login(a, "wrong-" + i, "123456").status()).isEqualTo(401);
    }
    Answer sixth = login(a, "wrong-again", "123456");
    assertThat(sixth.status()).isEqualTo(429);
    assertThat(sixth.text("error")).isEqualTo("account_locked");
    assertThat(sixth.text("locked_until")).isNotNull();
    Answer right = login(a, PASSWORD, code(a, 0));
    assertThat(right.status()).isEqualTo(429);
    assertThat(right.text("access_token")).isNull();
  }

  @Test
  void stepUpAddsAFreshCodeToATokenWithoutOne() {
    Admin a = newAdmin();
    Instant now = Instant.now();
    String passwordOnly = tokens.issue(UUID.randomUUID(), a.email(), List.of("pwd"), now, now, 600);
    Answer wrong = http.post("/admin/mfa", AdminHttp.json("totp", "000000"), passwordOnly);
    if (!code(a, 0).equals("000000")) {
      assertThat(wrong.status()).isEqualTo(401);
    }
    Answer up = http.post("/admin/mfa", AdminHttp.json("totp", code(a, 0)), passwordOnly);
    assertThat(up.status()).isEqualTo(200);
    String stepped = up.text("access_token");
    Answer create =
        http.post("/admin/tenants", AdminHttp.json("company_name", "", "subdomain", "x"), stepped);
    assertThat(create.status()).isEqualTo(400); // past the MFA check
    assertThat(http.post("/admin/mfa", AdminHttp.json("totp", "123456"), null).status())
        .isEqualTo(401);
  }

  @Test
  void loginWithMissingFieldsNamesThem() {
    Answer a = http.post("/admin/login", AdminHttp.json("email", "x@y.z"), null);
    assertThat(a.status()).isEqualTo(400);
    assertThat(a.json().get("fields").has("password")).isTrue();
    assertThat(a.json().get("fields").has("totp")).isTrue();
    assertThat(http.post("/admin/login", "{not json", null).status()).isEqualTo(400);
    Answer huge =
        http.post(
            "/admin/login",
            AdminHttp.json("email", "x".repeat(5000) + "@y.z", "password", "p", "totp", "123456"),
            null);
    assertThat(huge.status()).isEqualTo(400);
    assertThat(huge.json().get("fields").has("email")).isTrue();
  }

  @Test
  void failedLoginsShowInTheMetrics() {
    Admin a = newAdmin();
    login(a, "nope", "123456");
    Answer metrics = management.get("/actuator/prometheus", null);
    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.body())
        .contains("taskifai_admin_logins_failed_total")
        .contains("taskifai_tenants{")
        .contains("taskifai_provisioning_duration_seconds_bucket");
    assertThat(http.get("/actuator/health", null).status()).isEqualTo(200);
  }
}
