package com.taskifai.activities.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.icegreen.greenmail.util.ServerSetupTest;
import com.taskifai.activities.mail.SmtpSettings.Security;
import jakarta.mail.MessagingException;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** SMTPS with a login against GreenMail serving SMTPS and SMTP on ephemeral ports. */
class SmtpMailerSecurityTest {
  private GreenMail greenMail;
  private int smtpsPort;
  private int smtpPort;

  @BeforeEach
  void start() {
    ServerSetup smtps = ServerSetupTest.SMTPS.dynamicPort();
    ServerSetup smtp = ServerSetupTest.SMTP.dynamicPort();
    greenMail =
        new GreenMail(new ServerSetup[] {smtps, smtp})
            .withConfiguration(
                GreenMailConfiguration.aConfig()
                    .withUser("mailer@taskifai.test", "mailer", "s3cret"));
    greenMail.start();
    smtpsPort = greenMail.getSmtps().getPort();
    smtpPort = greenMail.getSmtp().getPort();
  }

  @AfterEach
  void stop() {
    greenMail.stop();
  }

  private static SmtpMailer mailer(SmtpSettings settings) {
    return new SmtpMailer(settings, "TaskifAI <no-reply@taskifai.test>");
  }

  @Test
  void sendsOverSmtpsWithALogin() throws Exception {
    SmtpSettings settings =
        SmtpSettings.fromEnvironment(
            Map.of(
                "TASKIFAI_SMTP_TLS", "smtps",
                "TASKIFAI_SMTP_USERNAME", "mailer",
                "TASKIFAI_SMTP_PASSWORD", "s3cret",
                // GreenMail's certificate is self-signed.
                "TASKIFAI_SMTP_SSL_TRUST", "*"),
            "127.0.0.1",
            smtpsPort);
    mailer(settings).send("owner@acme.test", "Welcome", "text", "<p>html</p>");
    assertThat(greenMail.waitForIncomingEmail(5_000, 1)).isTrue();
    assertThat(greenMail.getReceivedMessages()[0].getSubject()).isEqualTo("Welcome");
    assertThat(settings.toString()).doesNotContain("s3cret");
  }

  @Test
  void aWrongPasswordIsRefused() {
    SmtpSettings settings =
        new SmtpSettings("127.0.0.1", smtpsPort, Security.SMTPS, "mailer", "wrong", "*");
    assertThatThrownBy(() -> mailer(settings).send("owner@acme.test", "s", "t", "<p>h</p>"))
        .isInstanceOf(MessagingException.class);
    assertThat(greenMail.getReceivedMessages()).isEmpty();
  }

  @Test
  void smtpsDoesNotFallBackToPlainText() {
    // The plain port speaks no TLS: the mailer must fail rather than send in the clear.
    SmtpSettings settings =
        new SmtpSettings("127.0.0.1", smtpPort, Security.SMTPS, "mailer", "s3cret", "*");
    assertThatThrownBy(() -> mailer(settings).send("owner@acme.test", "s", "t", "<p>h</p>"))
        .isInstanceOf(MessagingException.class);
    assertThat(greenMail.getReceivedMessages()).isEmpty();
  }

  @Test
  void smtpsTrustsOnlyKnownCertificates() {
    // No trust override: the JDK's trust store does not know GreenMail's self-signed certificate.
    SmtpSettings settings =
        new SmtpSettings("127.0.0.1", smtpsPort, Security.SMTPS, "mailer", "s3cret", "");
    assertThatThrownBy(() -> mailer(settings).send("owner@acme.test", "s", "t", "<p>h</p>"))
        .isInstanceOf(MessagingException.class);
    assertThat(greenMail.getReceivedMessages()).isEmpty();
  }

  @Test
  void unknownTlsModeIsRefusedByName() {
    assertThatThrownBy(
            () -> SmtpSettings.fromEnvironment(Map.of("TASKIFAI_SMTP_TLS", "ssl"), "h", 25))
        .hasMessageContaining("TASKIFAI_SMTP_TLS");
  }
}
