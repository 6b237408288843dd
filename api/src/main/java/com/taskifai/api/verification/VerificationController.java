package com.taskifai.api.verification;

import com.taskifai.api.tenants.TenantWorkflows;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.crypto.VerificationTokens;
import io.temporal.client.WorkflowNotFoundException;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/**
 * The link in the verification e-mail: checks the signed token and signals the tenant's
 * provisioning workflow, answering with a small HTML page.
 */
@RestController
class VerificationController {
  private static final Logger log = LoggerFactory.getLogger(VerificationController.class);

  private final VerificationTokens tokens;
  private final TenantRegistry registry;
  private final TenantWorkflows workflows;
  private final AuditLog audit;
  private final Clock clock;

  VerificationController(
      VerificationTokens tokens,
      TenantRegistry registry,
      TenantWorkflows workflows,
      AuditLog audit,
      Clock clock) {
    this.tokens = tokens;
    this.registry = registry;
    this.workflows = workflows;
    this.audit = audit;
    this.clock = clock;
  }

  @GetMapping(value = "/verify-email", produces = MediaType.TEXT_HTML_VALUE)
  ResponseEntity<String> verify(@RequestParam(required = false) String token) {
    Optional<UUID> tenantId = tokens.verify(token, clock.instant());
    if (tenantId.isEmpty()) {
      return page(
          HttpStatus.BAD_REQUEST,
          "This link does not work",
          "The verification link is incomplete, altered or expired. Ask your platform contact"
              + " for a new one.");
    }
    Optional<Tenant> found = registry.findById(tenantId.get());
    if (found.isEmpty()) {
      return page(
          HttpStatus.BAD_REQUEST,
          "This link does not work",
          "The workspace this link was sent for does not exist.");
    }
    Tenant t = found.get();
    if (t.status() == TenantStatus.ACTIVE || t.verifiedAt() != null) {
      return page(
          HttpStatus.OK,
          "Already verified",
          "The address of "
              + t.companyName()
              + " is verified; the workspace is being set up or"
              + " ready.");
    }
    if (t.status() != TenantStatus.AWAITING_VERIFICATION
        && t.status() != TenantStatus.PROVISIONING) {
      return page(
          HttpStatus.CONFLICT,
          "This workspace is no longer waiting",
          "The workspace is " + t.status().name().toLowerCase() + "; the link has no effect.");
    }
    try {
      workflows.signalVerified(t, "verification_link");
    } catch (WorkflowNotFoundException e) {
      log.warn("verification for tenant {}: provisioning workflow not found", t.tenantId());
      return page(
          HttpStatus.CONFLICT,
          "Not waiting for verification",
          "The set-up of this workspace is not waiting for a verification right now.");
    } catch (com.taskifai.api.TemporalUnavailableException e) {
      log.warn("verification for tenant {}: the workflow service is unavailable", t.tenantId());
      ResponseEntity<String> later =
          page(
              HttpStatus.SERVICE_UNAVAILABLE,
              "Please try again in a minute",
              "The workflow service is unavailable right now, so the address could not be"
                  + " confirmed yet. Open the link again in a minute; it stays valid.");
      return ResponseEntity.status(later.getStatusCode())
          .headers(later.getHeaders())
          .header("Retry-After", "60")
          .body(later.getBody());
    }
    audit.append(
        t.tenantId(),
        "verification_link",
        "tenant.email_verified",
        null,
        "signalled",
        Map.of("subdomain", t.subdomain()));
    return page(
        HttpStatus.OK,
        "Thank you: address verified",
        "The workspace of " + t.companyName() + " is being activated. A welcome e-mail follows.");
  }

  private static ResponseEntity<String> page(HttpStatus status, String title, String text) {
    String html =
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
            + HtmlUtils.htmlEscape(title)
            + "</title><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            + "<link rel=\"stylesheet\" href=\"/app.css\"></head><body><main class=\"card narrow\">"
            + "<h1>"
            + HtmlUtils.htmlEscape(title)
            + "</h1><p>"
            + HtmlUtils.htmlEscape(text)
            + "</p></main></body></html>";
    return ResponseEntity.status(status).contentType(MediaType.TEXT_HTML).body(html);
  }
}
