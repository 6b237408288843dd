package com.taskifai.activities.mail;

import static com.taskifai.activities.ActivitiesFixture.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import com.taskifai.activities.ActivitiesConfig;
import com.taskifai.activities.ActivitiesFixture;
import com.taskifai.activities.StagedSecrets;
import com.taskifai.registry.crypto.VerificationTokens;
import com.taskifai.tenantschema.SetPasswordTokens;
import com.taskifai.workflows.ports.StepInput;
import io.temporal.failure.ApplicationFailure;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.net.ServerSocket;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TenantMailActivitiesTest {
  private static final Pattern VERIFY_LINK =
      Pattern.compile("http://localhost:8080/verify-email\\?token=([A-Za-z0-9_.-]+)");

  private static GreenMail smtp;
  private static ActivitiesFixture fx;

  @BeforeAll
  static void start() {
    smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
    smtp.start();
    fx =
        new ActivitiesFixture(
            ActivitiesConfig.defaults().withSmtp("127.0.0.1", smtp.getSmtp().getPort()));
  }

  @AfterAll
  static void stop() {
    smtp.stop();
  }

  @BeforeEach
  void purge() throws Exception {
    smtp.purgeEmailFromAllMailboxes();
  }

  @Test
  void sendsAVerificationLinkWhoseTokenVerifiesForTheTenant() throws Exception {
    StepInput input = fx.reserve();

    fx.activities.mail().sendVerificationEmail(input);

    MimeMessage mail = onlyMail();
    assertThat(mail.getAllRecipients()[0].toString())
        .isEqualTo(fx.tenant(input.tenantId()).adminEmail());
    assertThat(mail.getSubject()).contains("Acme & Söhne");
    String text = part(mail, 0, "text/plain");
    String html = part(mail, 1, "text/html");
    Matcher m = VERIFY_LINK.matcher(text);
    assertThat(m.find()).as("verification link in %s", text).isTrue();
    String token = m.group(1);
    assertThat(html).contains("verify-email?token=" + token).contains("Acme &amp; Söhne");
    VerificationTokens tokens = VerificationTokens.of(fx.cipher);
    assertThat(tokens.verify(token, Instant.now())).contains(input.tenantId());
    assertThat(tokens.verify(token, Instant.now().plus(8, ChronoUnit.DAYS))).isEmpty();
  }

  @Test
  void sendsTheSetPasswordLinkWhoseTokenMatchesTheAdminRowOnce() throws Exception {
    StepInput input = fx.reserveAndPlace();
    var db = fx.activities.database();
    db.createDatabase(input);
    db.migrateSchema(input);
    db.createAdminUser(input);

    fx.activities.mail().sendWelcomeEmail(input);
    fx.activities.mail().sendWelcomeEmail(input);

    MimeMessage mail = onlyMail();
    String text = part(mail, 0, "text/plain");
    Matcher m =
        Pattern.compile(
                "http://"
                    + Pattern.quote(input.subdomain())
                    + "\\.localhost:8081/set-password\\?token=([A-Za-z0-9_-]+)")
            .matcher(text);
    assertThat(m.find()).as("set-password link in %s", text).isTrue();
    assertThat(
            count(
                fx.tenantDatabase(input.tenantId()),
                "SELECT count(*) FROM users WHERE role = 'admin' AND set_password_token_hash = ?",
                SetPasswordTokens.hash(m.group(1))))
        .isEqualTo(1);
    assertThat(fx.secrets.get(input.tenantId(), StagedSecrets.SET_PASSWORD_TOKEN)).isEmpty();
    fx.activities.database().dropDatabase(input);
  }

  @Test
  void anUnreachableSmtpServerFailsRetryablyWithoutTheTokenAndKeepsItStaged() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    var down =
        com.taskifai.activities.PlatformActivities.create(
            fx.platform.platform(),
            fx.cipher,
            ActivitiesConfig.defaults().withSmtp("127.0.0.1", closedPort));
    StepInput input = fx.reserve();
    fx.secrets.put(input.tenantId(), StagedSecrets.SET_PASSWORD_TOKEN, "the-one-time-token");

    assertThatThrownBy(() -> down.mail().sendWelcomeEmail(input))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("UNAVAILABLE");
              assertThat(f.isNonRetryable()).isFalse();
              assertThat(f.getMessage()).doesNotContain("the-one-time-token");
            });
    assertThat(fx.secrets.get(input.tenantId(), StagedSecrets.SET_PASSWORD_TOKEN))
        .contains("the-one-time-token");
  }

  private static MimeMessage onlyMail() {
    assertThat(smtp.waitForIncomingEmail(15_000, 1)).isTrue();
    MimeMessage[] received = smtp.getReceivedMessages();
    assertThat(received).hasSize(1);
    return received[0];
  }

  private static String part(MimeMessage mail, int index, String type) throws Exception {
    MimeMultipart body = (MimeMultipart) mail.getContent();
    assertThat(body.getContentType()).startsWith("multipart/alternative");
    assertThat(body.getBodyPart(index).getContentType()).startsWith(type);
    return (String) body.getBodyPart(index).getContent();
  }
}
