package com.taskifai.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.taskifai.activities.PlatformActivities;
import com.taskifai.registry.AuditLog;
import com.taskifai.workflows.Outcome;
import com.taskifai.workflows.WorkflowStatus;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.provisioning.ProvisioningProgress;
import com.taskifai.workflows.saga.StepProgress;
import com.taskifai.workflows.saga.StepState;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The SMTP server (GreenMail) stopped while a tenant is provisioned: send_verification_email fails
 * and is retried with back-off, each failed attempt on record with its error, and the tenant waits
 * in PROVISIONING; once the mail server is started again on the same port the tenant reaches
 * AWAITING_VERIFICATION with exactly one verification mail.
 */
class SmtpOutageTest {
  private static EmbeddedPlatform embedded;
  private static GreenMail restarted;

  @BeforeAll
  static void start() {
    embedded = new EmbeddedPlatform();
  }

  @AfterAll
  static void stop() {
    if (restarted != null) {
      restarted.stop();
    }
    if (embedded != null) {
      embedded.close();
    }
  }

  @Test
  void verificationMailIsRetriedWhileSmtpIsDownAndSentOnceWhenItIsBack() throws Exception {
    int smtpPort = Integer.parseInt(embedded.env.get("TASKIFAI_SMTP_PORT"));
    embedded.smtp.stop();
    UUID tenantId = UUID.randomUUID();
    String subdomain = "smtp-" + tenantId.toString().substring(0, 6);
    AuditLog audit = new AuditLog(embedded.platform.platform());

    try (PlatformActivities activities = PlatformActivities.fromEnvironment(embedded.env);
        PlatformWorker worker = embedded.worker(activities)) {
      worker.start();
      ProvisionTenantWorkflow flow = embedded.startProvisioning(tenantId, subdomain, null);

      // The step fails and is retried with growing pauses; the tenant stays in PROVISIONING.
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      List<AuditLog.Entry> failures = List.of();
      while (failures.size() < 3) {
        assertThat(System.nanoTime()).as("three failed mail attempts in 60 s").isLessThan(deadline);
        Thread.sleep(200);
        failures = failedMailAttempts(audit, tenantId);
      }
      assertThat(failures)
          .allSatisfy(
              f -> {
                assertThat(f.detailJson()).contains("\"retryable\": true").contains("SMTP");
              });
      assertThat(Duration.between(failures.get(1).at(), failures.get(2).at()).toMillis())
          .as("back-off grows")
          .isGreaterThan(Duration.between(failures.get(0).at(), failures.get(1).at()).toMillis());
      ProvisioningProgress during = flow.progress();
      assertThat(during.status()).isEqualTo(WorkflowStatus.PROVISIONING);
      assertThat(step(during, "send_verification_email").state()).isEqualTo(StepState.RUNNING);

      restarted = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
      restarted.start();

      EmbeddedPlatform.awaitProgress(
          flow, p -> p.status() == WorkflowStatus.AWAITING_VERIFICATION, Duration.ofSeconds(60));
      // No second copy arrives later.
      Thread.sleep(1_500);
      List<String> subjects =
          Arrays.stream(restarted.getReceivedMessages())
              .filter(m -> recipients(m).contains("admin@" + subdomain + ".test"))
              .map(SmtpOutageTest::subject)
              .toList();
      assertThat(subjects).hasSize(1);
      assertThat(subjects.get(0)).startsWith("Verify");
    }
  }

  private static List<AuditLog.Entry> failedMailAttempts(AuditLog audit, UUID tenantId) {
    return audit.query(AuditLog.Query.forTenant(tenantId)).stream()
        .filter(e -> "send_verification_email".equals(e.step()))
        .filter(e -> Outcome.FAILED.value().equals(e.outcome()))
        .toList();
  }

  private static StepProgress step(ProvisioningProgress p, String name) {
    return p.steps().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }

  private static String recipients(MimeMessage m) {
    try {
      return Arrays.toString(m.getRecipients(Message.RecipientType.TO));
    } catch (jakarta.mail.MessagingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String subject(MimeMessage m) {
    try {
      return m.getSubject();
    } catch (jakarta.mail.MessagingException e) {
      throw new IllegalStateException(e);
    }
  }
}
