package com.taskifai.activities.mail;

import com.taskifai.activities.ActivitiesConfig;
import com.taskifai.activities.CurrentActivity;
import com.taskifai.activities.OperationClaims;
import com.taskifai.activities.StagedSecrets;
import com.taskifai.activities.StepFailure;
import com.taskifai.activities.database.SetPasswordLinks;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantOperationKind;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.VerificationLinks;
import com.taskifai.registry.crypto.VerificationTokens;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.ports.StepInput;
import com.taskifai.workflows.ports.TenantMailActivities;
import com.taskifai.workflows.ports.VerificationMailInput;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.AddressException;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verification and welcome mails. Tokens are made or read here and go straight into the mail,
 * never into Temporal. A retried send may deliver a second copy; both links work.
 */
public final class TenantMailActivitiesImpl implements TenantMailActivities {
  private static final Logger log = LoggerFactory.getLogger(TenantMailActivitiesImpl.class);

  private final TenantRegistry registry;
  private final OperationClaims claims;
  private final StagedSecrets secrets;
  private final VerificationTokens verificationTokens;
  private final VerificationLinks verificationLinks;
  private final SetPasswordLinks setPasswordLinks;
  private final SmtpMailer mailer;
  private final ActivitiesConfig config;
  private final Clock clock;

  public TenantMailActivitiesImpl(
      TenantRegistry registry,
      StagedSecrets secrets,
      VerificationTokens verificationTokens,
      VerificationLinks verificationLinks,
      SetPasswordLinks setPasswordLinks,
      SmtpMailer mailer,
      ActivitiesConfig config,
      Clock clock) {
    this.registry = registry;
    this.claims = new OperationClaims(registry.operations());
    this.secrets = secrets;
    this.verificationTokens = verificationTokens;
    this.verificationLinks = verificationLinks;
    this.setPasswordLinks = setPasswordLinks;
    this.mailer = mailer;
    this.config = config;
    this.clock = clock;
  }

  @Override
  public void sendVerificationEmail(VerificationMailInput input) {
    Tenant tenant = tenant(input.step());
    java.time.Duration lifetime = input.linkLifetime();
    java.time.Instant expires = clock.instant().plus(lifetime);
    String token = verificationTokens.issue(tenant.tenantId(), expires);
    // Which key signs the link in flight, so a key rotation knows the key is still needed.
    verificationLinks.record(tenant.tenantId(), verificationTokens.signingKeyId(), expires);
    String link = config.verificationUrl(token);
    String company = tenant.companyName();
    String text =
        "Hello,\n\n"
            + "please confirm this address to finish setting up "
            + company
            + " on TaskifAI:\n\n"
            + link
            + "\n\nThe link works for "
            + days(lifetime)
            + ". If you did not ask for this, ignore this mail.\n";
    String html =
        "<p>Hello,</p><p>please confirm this address to finish setting up <b>"
            + escape(company)
            + "</b> on TaskifAI:</p><p><a href=\""
            + escape(link)
            + "\">Verify my e-mail address</a></p><p>The link works for "
            + days(lifetime)
            + ". If you did not ask for this, ignore this mail.</p>";
    send(tenant, "Verify your e-mail address for " + company, text, html);
  }

  /**
   * Issues the admin's set-password link and mails it, then deletes the staged token. The link's
   * lifetime starts now. A call that finds the admin with a working link or a password has sent the
   * mail already and is done; a retry after a failed send mails the same link.
   */
  @Override
  public void sendWelcomeEmail(StepInput input) {
    Tenant tenant = tenant(input);
    Optional<String> token = setPasswordLinks.issueSetPasswordToken(tenant.tenantId(), false);
    if (token.isEmpty()) {
      log.info(
          "tenant {}: the admin has a set-password link or a password, the welcome mail went out"
              + " already",
          tenant.tenantId());
      return;
    }
    String link = config.setPasswordUrl(tenant.subdomain(), token.get());
    String host = config.tenantHost(tenant.subdomain());
    String company = tenant.companyName();
    String text =
        "Welcome to TaskifAI!\n\n"
            + company
            + " is ready at "
            + host
            + ". Choose your password here:\n\n"
            + link
            + "\n\nThe link works once, for "
            + days(config.setPasswordTokenLifetime())
            + ".\n";
    String html =
        "<p>Welcome to TaskifAI!</p><p><b>"
            + escape(company)
            + "</b> is ready at "
            + escape(host)
            + ".</p><p><a href=\""
            + escape(link)
            + "\">Choose your password</a></p><p>The link works once, for "
            + days(config.setPasswordTokenLifetime())
            + ".</p>";
    send(tenant, "Welcome to TaskifAI, " + company, text, html);
    secrets.delete(tenant.tenantId(), StagedSecrets.SET_PASSWORD_TOKEN);
  }

  /** Issues a new set-password link for the admin (ending older ones) and mails it. */
  @Override
  public void sendAdminInvite(StepInput input) {
    Tenant tenant = tenant(input);
    // The token goes into the tenant's database: under the tenant's claim, so no promotion, move
    // or restore swaps that database meanwhile and loses it with the old copy.
    String operationId =
        CurrentActivity.info()
            .map(i -> i.getWorkflowId())
            .orElse("admin-invite:" + tenant.tenantId());
    claims.whileClaimed(
        tenant.tenantId(),
        TenantOperationKind.INVITING_ADMIN,
        operationId,
        "send the admin invite again when it ends",
        () -> {
          inviteAdmin(tenant);
          return null;
        });
  }

  private void inviteAdmin(Tenant tenant) {
    String token =
        setPasswordLinks
            .issueSetPasswordToken(tenant.tenantId(), true)
            .orElseThrow(() -> new IllegalStateException("a renewed link is always issued"));
    String link = config.setPasswordUrl(tenant.subdomain(), token);
    String host = config.tenantHost(tenant.subdomain());
    String company = tenant.companyName();
    String text =
        "Hello,\n\nhere is a new link to choose the password of your "
            + company
            + " account at "
            + host
            + ":\n\n"
            + link
            + "\n\nThe link works once, for "
            + days(config.setPasswordTokenLifetime())
            + "; earlier links no longer work.\n";
    String html =
        "<p>Hello,</p><p>here is a new link to choose the password of your <b>"
            + escape(company)
            + "</b> account at "
            + escape(host)
            + ":</p><p><a href=\""
            + escape(link)
            + "\">Choose your password</a></p><p>The link works once, for "
            + days(config.setPasswordTokenLifetime())
            + "; earlier links no longer work.</p>";
    send(tenant, "Your new TaskifAI link for " + company, text, html);
    secrets.delete(tenant.tenantId(), StagedSecrets.SET_PASSWORD_TOKEN);
  }

  private void send(Tenant tenant, String subject, String text, String html) {
    try {
      mailer.send(tenant.adminEmail(), subject, text, html);
      log.info("tenant {}: mail '{}' sent", tenant.tenantId(), subject);
    } catch (AddressException e) {
      throw StepFailure.of(
          FailureType.MISCONFIGURED,
          "tenant " + tenant.tenantId() + " has an admin e-mail address mail cannot go to");
    } catch (MessagingException e) {
      // The SMTP server may be down for a moment: retried. The message names no link or token.
      throw StepFailure.of(
          FailureType.UNAVAILABLE,
          "SMTP "
              + config.smtpHost()
              + ":"
              + config.smtpPort()
              + " did not take the mail: "
              + e.getClass().getSimpleName());
    }
  }

  private Tenant tenant(StepInput input) {
    return registry
        .findById(input.tenantId())
        .orElseThrow(() -> StepFailure.tenantMissing(input.tenantId()));
  }

  private static String days(java.time.Duration d) {
    long hours = d.toHours();
    return hours % 24 == 0 ? (hours / 24) + " days" : hours + " hours";
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;")
        .replace("'", "&#39;");
  }
}
