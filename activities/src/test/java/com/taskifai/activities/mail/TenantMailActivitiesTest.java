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

    fx.activities
        .mail()
        .sendVerificationEmail(
            new com.taskifai.workflows.ports.VerificationMailInput(
                input.tenantId(), input.subdomain(), java.time.Duration.ofDays(2)));

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
    // The link lives as long as the workflow input says (its verification timeout).
    assertThat(tokens.verify(token, Instant.now().plus(1, ChronoUnit.DAYS))).isPresent();
    assertThat(tokens.verify(token, Instant.now().plus(3, ChronoUnit.DAYS))).isEmpty();
    assertThat(text).contains("2 days");
    // The registry knows which key signs the link in flight, for a later key rotation.
    assertThat(VerificationTokens.keyIdOf(token)).contains("test1");
    assertThat(
            count(
                fx.platform.owner(),
                "SELECT count(*) FROM verification_links WHERE tenant_id = ? AND key_id = 'test1'"
                    + " AND expires_at > now() + interval '1 day'"
                    + " AND expires_at < now() + interval '3 days'",
                input.tenantId()))
        .isEqualTo(1);
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
  void anUnreachableSmtpServerFailsRetryablyWithoutTheTokenAndTheRetryMailsTheSameLink()
      throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    var down =
        com.taskifai.activities.PlatformActivities.create(
            fx.platform.platform(),
            fx.cipher,
            ActivitiesConfig.defaults().withSmtp("127.0.0.1", closedPort));
    StepInput input = adminCreated(fx.activities);

    assertThatThrownBy(() -> down.mail().sendWelcomeEmail(input))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("UNAVAILABLE");
              assertThat(f.isNonRetryable()).isFalse();
            });
    String staged =
        fx.secrets.get(input.tenantId(), StagedSecrets.SET_PASSWORD_TOKEN).orElseThrow();

    fx.activities.mail().sendWelcomeEmail(input);
    assertThat(setPasswordToken(input, part(onlyMail(), 0, "text/plain"))).isEqualTo(staged);
    assertThat(adminsWithTokenHash(input, staged)).isEqualTo(1);
    fx.activities.database().dropDatabase(input);
  }

  @Test
  void theSetPasswordLinkLivesFromTheWelcomeMailNotFromCreateAdminUser() throws Exception {
    MovableClock clock = new MovableClock(Instant.now());
    var activities =
        com.taskifai.activities.PlatformActivities.builder(
                fx.platform.platform(), fx.cipher, fx.config)
            .clock(clock)
            .build();
    StepInput input = adminCreated(activities);

    // The tenant waits six days for its verification before the welcome mail goes out.
    clock.advance(java.time.Duration.ofDays(6));
    activities.mail().sendWelcomeEmail(input);

    String token = setPasswordToken(input, part(onlyMail(), 0, "text/plain"));
    java.sql.Timestamp expires =
        org.springframework.jdbc.core.simple.JdbcClient.create(fx.tenantDatabase(input.tenantId()))
            .sql(
                "SELECT set_password_token_expires_at FROM users WHERE set_password_token_hash = ?")
            .param(SetPasswordTokens.hash(token))
            .query(java.sql.Timestamp.class)
            .single();
    assertThat(expires.toInstant())
        .isCloseTo(
            clock.instant().plus(fx.config.setPasswordTokenLifetime()),
            org.assertj.core.api.Assertions.within(5, ChronoUnit.SECONDS));
    activities.database().dropDatabase(input);
  }

  @Test
  void anAdminInviteMailsANewLinkAndEndsTheEarlierOne() throws Exception {
    StepInput input = adminCreated(fx.activities);
    fx.activities.mail().sendWelcomeEmail(input);
    String first = setPasswordToken(input, part(onlyMail(), 0, "text/plain"));
    smtp.purgeEmailFromAllMailboxes();
    // A token left staged by a welcome mail that failed for good is not reused either.
    fx.secrets.put(input.tenantId(), StagedSecrets.SET_PASSWORD_TOKEN, "left-over-token");

    fx.activities.mail().sendAdminInvite(input);

    MimeMessage invite = onlyMail();
    assertThat(invite.getSubject()).startsWith("Your new TaskifAI link");
    String second = setPasswordToken(input, part(invite, 0, "text/plain"));
    assertThat(second).isNotEqualTo(first).isNotEqualTo("left-over-token");
    assertThat(adminsWithTokenHash(input, first)).isZero();
    assertThat(adminsWithTokenHash(input, second)).isEqualTo(1);
    assertThat(fx.secrets.get(input.tenantId(), StagedSecrets.SET_PASSWORD_TOKEN)).isEmpty();

    // An admin who chose a password meanwhile still gets a link: the way back in.
    TenantSchemaAccess.setPassword(fx.tenantDatabase(input.tenantId()));
    smtp.purgeEmailFromAllMailboxes();
    fx.activities.mail().sendAdminInvite(input);
    assertThat(
            adminsWithTokenHash(input, setPasswordToken(input, part(onlyMail(), 0, "text/plain"))))
        .isEqualTo(1);
    fx.activities.database().dropDatabase(input);
  }

  @Test
  void anAdminInviteWhileAPromotionHoldsTheTenantFailsNamingItAndKeepsTheEarlierLink()
      throws Exception {
    StepInput input = adminCreated(fx.activities);
    fx.activities.mail().sendWelcomeEmail(input);
    String first = setPasswordToken(input, part(onlyMail(), 0, "text/plain"));
    smtp.purgeEmailFromAllMailboxes();
    var operations = fx.tenants.operations();
    assertThat(
            operations.claim(
                input.tenantId(),
                com.taskifai.registry.TenantOperationKind.PROMOTING,
                "tenant-promote-x"))
        .isEmpty();

    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> fx.activities.mail().sendAdminInvite(input))
        .hasMessageContaining("busy with PROMOTING")
        .hasMessageContaining("tenant-promote-x");

    assertThat(smtp.getReceivedMessages()).isEmpty();
    assertThat(adminsWithTokenHash(input, first)).isEqualTo(1);
    assertThat(operations.current(input.tenantId()))
        .contains(new com.taskifai.registry.TenantOperations.Held("PROMOTING", "tenant-promote-x"));
    // Once the promotion ended, the invite works and ends its own claim.
    operations.release(input.tenantId(), "tenant-promote-x");
    fx.activities.mail().sendAdminInvite(input);
    assertThat(adminsWithTokenHash(input, first)).isZero();
    assertThat(operations.current(input.tenantId())).isEmpty();
    fx.activities.database().dropDatabase(input);
  }

  /** A tenant whose database and admin user exist, as before send_welcome_email. */
  private static StepInput adminCreated(com.taskifai.activities.PlatformActivities activities) {
    StepInput input = fx.reserveAndPlace();
    var db = activities.database();
    db.createDatabase(input);
    db.migrateSchema(input);
    db.createAdminUser(input);
    return input;
  }

  private static String setPasswordToken(StepInput input, String text) {
    Matcher m =
        Pattern.compile(
                Pattern.quote(input.subdomain())
                    + "\\.localhost:8081/set-password\\?token=([A-Za-z0-9_-]+)")
            .matcher(text);
    assertThat(m.find()).as("set-password link in %s", text).isTrue();
    return m.group(1);
  }

  private static long adminsWithTokenHash(StepInput input, String token) {
    return count(
        fx.tenantDatabase(input.tenantId()),
        "SELECT count(*) FROM users WHERE role = 'admin' AND set_password_token_hash = ?",
        SetPasswordTokens.hash(token));
  }

  /** Marks the tenant's admin as having chosen a password (as the router's set-password does). */
  private static final class TenantSchemaAccess {
    static void setPassword(javax.sql.DataSource tenantDb) {
      org.springframework.jdbc.core.simple.JdbcClient.create(tenantDb)
          .sql(
              "UPDATE users SET password_hash = 'chosen', set_password_token_hash = NULL,"
                  + " set_password_token_expires_at = NULL WHERE role = 'admin'")
          .update();
    }
  }

  /** A clock a test moves forward. */
  private static final class MovableClock extends java.time.Clock {
    private Instant now;

    MovableClock(Instant start) {
      this.now = start;
    }

    void advance(java.time.Duration d) {
      now = now.plus(d);
    }

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public java.time.Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
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
