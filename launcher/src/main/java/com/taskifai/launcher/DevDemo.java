package com.taskifai.launcher;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo tenant of {@code ./taskifai dev}: kept when it is there and ACTIVE, else (or with {@code
 * --reset-demo}) provisioned and loaded. Its password is generated once and kept in
 * dev-secrets.properties; a demo that cannot be built is reported in the banner and does not stop
 * the platform.
 */
final class DevDemo {
  private static final Logger log = LoggerFactory.getLogger(DevDemo.class);

  private DevDemo() {}

  /** The demo as built, and its login for dev.env. */
  record Built(DemoTenant.Outcome outcome, DevConfiguration.Demo login) {}

  /**
   * Builds or keeps the demo tenant as {@link DevPlatform#DEMO_BUILDER_EMAIL} (signed in with
   * {@code adminPassword} and {@code adminTotp}); empty, with a note saying why, when it is not
   * ready.
   */
  static Optional<Built> ensure(
      DevSettings settings,
      DevDatabases.Database db,
      DevSecrets secrets,
      DevServices.Mail mail,
      String adminPassword,
      String adminTotp,
      boolean reset,
      Map<String, String> notes) {
    if (mail.outbox() == null) {
      notes.put(
          "Demo tenant",
          "not built: its sign-up mails go to the real SMTP server named by TASKIFAI_SMTP_HOST");
      return Optional.empty();
    }
    String password = secrets.random(DemoTenant.PASSWORD_SECRET, 12);
    secrets.save();
    String reach = settings.reach();
    try {
      DemoTenant builder =
          new DemoTenant(
              DemoTenant.SUBDOMAIN,
              DemoTenant.EMAIL,
              "Demo Cosmetics",
              "http://" + reach + ":" + URI.create(settings.adminUrl()).getPort(),
              "http://" + reach + ":" + settings.routerPort(),
              settings.baseDomain(),
              DevPlatform.DEMO_BUILDER_EMAIL,
              adminPassword,
              adminTotp,
              new com.taskifai.registry.TenantRegistry(db.platform()),
              db.clusterUrl(),
              db.adminUser(),
              db.adminPassword());
      DemoTenant.Outcome demo = builder.ensure(password, reset);
      log.info("demo tenant {}: {}", demo.created() ? "built" : "kept", demo.notes());
      return Optional.of(
          new Built(demo, new DevConfiguration.Demo(url(settings), demo.email(), demo.password())));
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      log.warn("demo tenant not ready: {}", e.getMessage(), e);
      notes.put(
          "Demo tenant",
          "not ready: "
              + e.getMessage()
              + " (./taskifai dev "
              + DevPlatform.RESET_DEMO
              + " builds it again)");
      return Optional.empty();
    }
  }

  /** Where the demo tenant answers: its subdomain on the router URL's scheme and port. */
  private static String url(DevSettings settings) {
    URI router = URI.create(settings.routerUrl());
    return router.getScheme()
        + "://"
        + DemoTenant.SUBDOMAIN
        + "."
        + settings.baseDomain()
        + ":"
        + router.getPort();
  }
}
