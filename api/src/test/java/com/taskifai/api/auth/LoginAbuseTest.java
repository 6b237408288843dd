package com.taskifai.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.api.AdminApiApplication;
import com.taskifai.api.testing.AdminHttp;
import com.taskifai.api.testing.ApiTestPlatform;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.FailedLogins;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Failed admin logins go to the bounded failed-login counters, not the append-only audit log,
 * unless they concern a real account (a wrong one-time code after the right password, the attempt
 * that starts a back-off); and {@code /admin/login} answers 429 past its allowance per client
 * address.
 */
@SpringBootTest(
    classes = AdminApiApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"taskifai.recover-workflows=false", "management.server.port=0"})
class LoginAbuseTest {
  static final int PER_ADDRESS = 8;
  static final String PASSWORD = "correct horse battery";

  @LocalServerPort int port;
  @Autowired AdminAccounts accounts;
  @Autowired AuditLog audit;
  @Autowired FailedLogins failedLogins;

  @DynamicPropertySource
  static void platform(DynamicPropertyRegistry props) {
    ApiTestPlatform.get().register(props);
    props.add("taskifai.admin-login.rate.per-address", () -> Integer.toString(PER_ADDRESS));
  }

  private HttpResponse<String> login(String email, String password, String totp) {
    try {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/admin/login"))
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          AdminHttp.json("email", email, "password", password, "totp", totp)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private List<AuditLog.Entry> auditOf(String actor) {
    return audit.query(new AuditLog.Query(null, actor, null, null, null, 100));
  }

  private FailedLogins.Entry counter(String email, String reason) {
    return failedLogins.recent(1000).stream()
        .filter(e -> e.email().equals(email) && e.reason().equals(reason))
        .findFirst()
        .orElse(null);
  }

  @Test
  void failedLoginsAreCountedNotAuditedAndAnAddressIsRateLimited() {
    String nobody = "nobody-" + UUID.randomUUID() + "@taskifai.test";
    String email = "abuse-" + UUID.randomUUID().toString().substring(0, 8) + "@taskifai.test";
    String secret = TotpCodes.newSecret();
    accounts.createOrUpdate(email, PASSWORD, secret);
    String code = TotpCodes.code(secret, TotpCodes.stepAt(Instant.now()));
    String wrongCode = code.equals("000000") ? "111111" : "000000";

    // 1-2: an unknown e-mail, twice: one counter row, nothing in the audit log.
    assertThat(login(nobody, "guess", "123456").statusCode()).isEqualTo(401);
    assertThat(login(nobody, "guess again", "123456").statusCode()).isEqualTo(401);
    assertThat(auditOf(nobody)).isEmpty();
    FailedLogins.Entry unknown = counter(nobody, "bad_credentials");
    assertThat(unknown).isNotNull();
    assertThat(unknown.attempts()).isEqualTo(2);
    assertThat(unknown.clientAddress()).isEqualTo("127.0.0.1");

    // 3: a real account's wrong password: counted, not audited.
    assertThat(login(email, "wrong password", "123456").statusCode()).isEqualTo(401);
    assertThat(counter(email, "bad_credentials").attempts()).isEqualTo(1);
    assertThat(auditOf(email)).isEmpty();

    // 4: the right password with a wrong code is an MFA failure of a real account: audited.
    assertThat(login(email, PASSWORD, wrongCode).statusCode()).isEqualTo(401);
    assertThat(auditOf(email))
        .extracting(AuditLog.Entry::action, AuditLog.Entry::outcome)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("admin.login", "refused"));
    assertThat(auditOf(email).get(0).detailJson()).contains("bad_code");

    // 5: the failure that starts the back-off of this e-mail and address is audited once;
    // 6: attempts refused while it runs are counted.
    assertThat(login(email, "wrong 3", "123456").statusCode()).isEqualTo(401);
    assertThat(login(email, "wrong 4", "123456").statusCode()).isEqualTo(401);
    assertThat(auditOf(email)).hasSize(1);
    assertThat(login(email, "wrong 5", "123456").statusCode()).isEqualTo(401);
    assertThat(login(email, PASSWORD, code).statusCode()).isEqualTo(429);
    assertThat(auditOf(email)).hasSize(2);
    assertThat(auditOf(email)).anySatisfy(e -> assertThat(e.detailJson()).contains("backoff"));
    assertThat(counter(email, "locked").attempts()).isEqualTo(1);

    // 7: past the allowance of this address: 429 with Retry-After, nothing checked or written.
    HttpResponse<String> limited = login(nobody, "guess", "123456");
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.body()).contains("rate_limited");
    assertThat(Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow()))
        .isBetween(1L, 60L);
    assertThat(counter(nobody, "bad_credentials").attempts()).isEqualTo(2);
  }
}
