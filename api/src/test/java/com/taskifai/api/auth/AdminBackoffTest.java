package com.taskifai.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.api.AdminApiApplication;
import com.taskifai.api.testing.AdminHttp;
import com.taskifai.api.testing.ApiTestPlatform;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.FailedLogins;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Failed admin logins slow down one e-mail from one client address (exponential back-off), they
 * never lock the account: an attacker at one address cannot keep the admin at another one out, and
 * an unknown e-mail gets the very same answers. The two client addresses are two loopback addresses
 * (127.0.0.2 and 127.0.0.1) bound as the client's local address.
 */
@SpringBootTest(
    classes = AdminApiApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"taskifai.recover-workflows=false", "management.server.port=0"})
class AdminBackoffTest {
  static final String PASSWORD = "correct horse battery";
  static final String ATTACKER = "127.0.0.2";
  static final String OWNER = "127.0.0.1";

  @LocalServerPort int port;
  @Autowired AdminAccounts accounts;
  @Autowired AuditLog audit;
  @Autowired FailedLogins failedLogins;

  @DynamicPropertySource
  static void platform(DynamicPropertyRegistry props) {
    ApiTestPlatform.get().register(props);
    // The rate limit per address must not answer before the back-off does.
    props.add("taskifai.admin-login.rate.per-address", () -> "1000");
    props.add("taskifai.admin-login.max-failures", () -> "5");
    props.add("taskifai.admin-login.backoff", () -> "PT30S");
    props.add("taskifai.admin-login.lockout", () -> "PT15M");
  }

  record Answer(int status, String retryAfter, String body) {}

  /** A POST /admin/login over a socket whose local address is {@code from}. */
  private Answer login(String from, String email, String password, String totp) {
    String json = AdminHttp.json("email", email, "password", password, "totp", totp);
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
      s.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 5_000);
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST /admin/login HTTP/1.1\r\nHost: 127.0.0.1:"
                  + port
                  + "\r\nContent-Type: application/json\r\nContent-Length: "
                  + body.length
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      String raw = all.toString(StandardCharsets.UTF_8);
      int end = raw.indexOf("\r\n\r\n");
      String head = raw.substring(0, end);
      int status = Integer.parseInt(head.substring(9, 12));
      String retryAfter = null;
      for (String line : head.split("\r\n")) {
        if (line.toLowerCase(Locale.ROOT).startsWith("retry-after:")) {
          retryAfter = line.substring("retry-after:".length()).strip();
        }
      }
      return new Answer(status, retryAfter, raw.substring(end + 4));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private List<AuditLog.Entry> auditOf(String actor) {
    return audit.query(new AuditLog.Query(null, actor, null, null, null, 100));
  }

  private long lockedAttempts(String email, String address) {
    return failedLogins.recent(1000).stream()
        .filter(
            e ->
                e.email().equals(email)
                    && e.clientAddress().equals(address)
                    && e.reason().equals("locked"))
        .mapToLong(FailedLogins.Entry::attempts)
        .sum();
  }

  @Test
  void anAttackerElsewhereWaitsButCannotLockTheAdminOut() {
    String email = "owner-" + UUID.randomUUID().toString().substring(0, 8) + "@taskifai.test";
    String nobody = "nobody-" + UUID.randomUUID().toString().substring(0, 8) + "@taskifai.test";
    String secret = TotpCodes.newSecret();
    accounts.createOrUpdate(email, PASSWORD, secret);

    // The attacker at A fails 20 times, for the real e-mail and for an unknown one.
    List<Integer> real = new ArrayList<>();
    List<Integer> unknown = new ArrayList<>();
    Answer last = null;
    for (int i = 0; i < 20; i++) {
      last = login(ATTACKER, email, "guess-" + i, "123456");
      real.add(last.status());
      unknown.add(login(ATTACKER, nobody, "guess-" + i, "123456").status());
    }
    assertThat(real.subList(0, 5)).containsOnly(401);
    assertThat(real.subList(5, 20)).containsOnly(429);
    // Same answers whether the e-mail exists or not.
    assertThat(unknown).isEqualTo(real);
    assertThat(last.body()).contains("\"error\":\"account_locked\"").contains("locked_until");
    assertThat(Long.parseLong(last.retryAfter())).isBetween(1L, 30L);

    // A waits even with the right password and code; nothing is checked meanwhile.
    String code = TotpCodes.code(secret, TotpCodes.stepAt(Instant.now()));
    Answer right = login(ATTACKER, email, PASSWORD, code);
    assertThat(right.status()).isEqualTo(429);
    assertThat(right.retryAfter()).isNotBlank();
    assertThat(right.body()).doesNotContain("access_token");

    // The owner at B signs in at once.
    Answer owner = login(OWNER, email, PASSWORD, code);
    assertThat(owner.status()).as(owner.body()).isEqualTo(200);
    assertThat(owner.body()).contains("access_token");

    // Audit: the failure that started the back-off and the owner's login; the attempts refused
    // during the back-off are counters (16 = 15 wrong + 1 right, all from A).
    assertThat(auditOf(email))
        .extracting(AuditLog.Entry::action, AuditLog.Entry::outcome)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("admin.login", "refused"),
            org.assertj.core.groups.Tuple.tuple("admin.login", "succeeded"));
    assertThat(auditOf(email))
        .filteredOn(e -> e.outcome().equals("refused"))
        .singleElement()
        .satisfies(e -> assertThat(e.detailJson()).contains("backoff_seconds").contains(ATTACKER));
    assertThat(auditOf(nobody)).isEmpty();
    assertThat(lockedAttempts(email, ATTACKER)).isEqualTo(16);
    assertThat(lockedAttempts(nobody, ATTACKER)).isEqualTo(15);
  }

  @Test
  void wrongOneTimeCodesOfARealAccountCountTowardsTheBackoff() {
    String email = "mfa-" + UUID.randomUUID().toString().substring(0, 8) + "@taskifai.test";
    String secret = TotpCodes.newSecret();
    accounts.createOrUpdate(email, PASSWORD, secret);
    String code = TotpCodes.code(secret, TotpCodes.stepAt(Instant.now()));
    String wrong = code.equals("000000") ? "111111" : "000000";
    for (int i = 0; i < 5; i++) {
      assertThat(login(ATTACKER, email, PASSWORD, wrong).status()).isEqualTo(401);
    }
    Answer waits = login(ATTACKER, email, PASSWORD, code);
    assertThat(waits.status()).isEqualTo(429);
    assertThat(waits.retryAfter()).isNotBlank();
    // Every MFA failure of the real account is audited (the fifth says it started the back-off).
    assertThat(auditOf(email)).hasSize(5);
    assertThat(login(OWNER, email, PASSWORD, code).status()).isEqualTo(200);
  }
}
