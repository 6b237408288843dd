package com.taskifai.api.verification;

import com.taskifai.api.ApiSettings;
import com.taskifai.api.temporal.TenantWorkflows;
import com.taskifai.api.temporal.WorkflowNotFound;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.crypto.VerificationTokens;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
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
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/**
 * The link in the verification e-mail: {@code GET} shows a page with one button and changes
 * nothing; the button's {@code POST} (token in the form body, from this site) checks the signed
 * token and signals the tenant's provisioning workflow, answering with a small HTML page.
 */
@RestController
class VerificationController {
  private static final Logger log = LoggerFactory.getLogger(VerificationController.class);

  private final VerificationTokens tokens;
  private final TenantRegistry registry;
  private final TenantWorkflows workflows;
  private final AuditLog audit;
  private final Clock clock;
  private final String adminOrigin;

  VerificationController(
      VerificationTokens tokens,
      TenantRegistry registry,
      TenantWorkflows workflows,
      AuditLog audit,
      Clock clock,
      ApiSettings settings) {
    this.tokens = tokens;
    this.registry = registry;
    this.workflows = workflows;
    this.audit = audit;
    this.clock = clock;
    this.adminOrigin = origin(settings.adminUrl());
  }

  /** {@code scheme://host[:port]} of a URL, or null. */
  private static String origin(String url) {
    try {
      URI u = URI.create(url);
      return u.getScheme() == null || u.getRawAuthority() == null
          ? null
          : (u.getScheme() + "://" + u.getRawAuthority()).toLowerCase(java.util.Locale.ROOT);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * The link in the mail: shows whether the link works and, while the workspace waits, one button
   * that POSTs the token. Changes nothing, so mail scanners and link previews that fetch the link
   * verify nobody.
   */
  @GetMapping(value = "/verify-email", produces = MediaType.TEXT_HTML_VALUE)
  ResponseEntity<String> show(@RequestParam(required = false) String token) {
    Checked checked = check(token);
    if (checked.refusal() != null) {
      return checked.refusal();
    }
    Tenant t = checked.tenant();
    String form =
        "<form method=\"post\" action=\"/verify-email\">"
            + "<input type=\"hidden\" name=\"token\" value=\""
            + HtmlUtils.htmlEscape(token.strip())
            + "\"><button type=\"submit\" class=\"primary\">Verify my e-mail address</button>"
            + "</form>";
    return page(
        HttpStatus.OK,
        "Confirm your e-mail address",
        "Confirm that this address belongs to the administrator of "
            + t.companyName()
            + " to finish setting up the workspace.",
        form);
  }

  /**
   * The button of the page: verifies with the token of the form body. A request another site's page
   * sent (its {@code Origin} or {@code Sec-Fetch-Site} says so) is refused, and so is a token in
   * the query string.
   */
  @PostMapping(
      value = "/verify-email",
      consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE,
      produces = MediaType.TEXT_HTML_VALUE)
  ResponseEntity<String> verify(HttpServletRequest request) {
    if (!sameOrigin(request, adminOrigin)) {
      return page(
          HttpStatus.FORBIDDEN,
          "This request was not sent by the verification page",
          "Open the link of the verification e-mail and press its button.");
    }
    String query = request.getQueryString();
    if (query != null && query.contains("token=")) {
      return page(
          HttpStatus.BAD_REQUEST,
          "This link does not work",
          "Open the link of the verification e-mail and press its button.");
    }
    String token = request.getParameter("token");
    Checked checked = check(token);
    if (checked.refusal() != null) {
      return checked.refusal();
    }
    Tenant t = checked.tenant();
    try {
      workflows.signalVerified(t, "verification_link");
    } catch (WorkflowNotFound e) {
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

  /**
   * The tenant a token is for while its workspace waits for the verification, else the page that
   * says why the link has no effect.
   */
  private Checked check(String token) {
    Optional<UUID> tenantId = tokens.verify(token, clock.instant());
    if (tenantId.isEmpty()) {
      return refused(
          HttpStatus.BAD_REQUEST,
          "This link does not work",
          "The verification link is incomplete, altered or expired. Ask your platform contact"
              + " for a new one.");
    }
    Optional<Tenant> found = registry.findById(tenantId.get());
    if (found.isEmpty()) {
      return refused(
          HttpStatus.BAD_REQUEST,
          "This link does not work",
          "The workspace this link was sent for does not exist.");
    }
    Tenant t = found.get();
    if (t.status() == TenantStatus.ACTIVE || t.verifiedAt() != null) {
      return refused(
          HttpStatus.OK,
          "Already verified",
          "The address of "
              + t.companyName()
              + " is verified; the workspace is being set up or"
              + " ready.");
    }
    if (t.status() != TenantStatus.AWAITING_VERIFICATION
        && t.status() != TenantStatus.PROVISIONING) {
      return refused(
          HttpStatus.CONFLICT,
          "This workspace is no longer waiting",
          "The workspace is " + t.status().name().toLowerCase() + "; the link has no effect.");
    }
    return new Checked(t, null);
  }

  /**
   * Whether a browser says the request came from this site: {@code Sec-Fetch-Site} same-origin (or
   * none: typed by the user), and an {@code Origin} that is the configured admin URL's or has this
   * request's host and port. A client that sends neither header is no browser, so no other site can
   * have made it send this.
   */
  static boolean sameOrigin(HttpServletRequest request, String adminOrigin) {
    String site = request.getHeader("Sec-Fetch-Site");
    if (site != null && !site.equals("same-origin") && !site.equals("none")) {
      return false;
    }
    String origin = request.getHeader("Origin");
    if (origin == null) {
      return true;
    }
    if (origin.equals("null")) {
      return false;
    }
    if (origin.toLowerCase(java.util.Locale.ROOT).equals(adminOrigin)) {
      return true;
    }
    try {
      URI o = URI.create(origin);
      String host = request.getHeader("Host");
      String authority = o.getPort() == -1 ? o.getHost() : o.getHost() + ":" + o.getPort();
      return host != null && authority != null && host.equalsIgnoreCase(authority);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** A tenant waiting for its verification, or the page that refuses the link. */
  private record Checked(Tenant tenant, ResponseEntity<String> refusal) {}

  private static Checked refused(HttpStatus status, String title, String text) {
    return new Checked(null, page(status, title, text));
  }

  private static ResponseEntity<String> page(HttpStatus status, String title, String text) {
    return page(status, title, text, "");
  }

  private static ResponseEntity<String> page(
      HttpStatus status, String title, String text, String more) {
    String html =
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
            + HtmlUtils.htmlEscape(title)
            + "</title><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            + "<link rel=\"stylesheet\" href=\"/app.css\"></head><body><main class=\"card narrow\">"
            + "<h1>"
            + HtmlUtils.htmlEscape(title)
            + "</h1><p>"
            + HtmlUtils.htmlEscape(text)
            + "</p>"
            + more
            + "</main></body></html>";
    // The page's URL holds the token: no referrer carries it to another site.
    return ResponseEntity.status(status)
        .contentType(MediaType.TEXT_HTML)
        .header("Referrer-Policy", "no-referrer")
        .header("Cache-Control", "no-store")
        .body(html);
  }
}
