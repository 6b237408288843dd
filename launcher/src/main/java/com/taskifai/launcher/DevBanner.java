package com.taskifai.launcher;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/** What {@code ./taskifai dev} or {@code up} prints once the platform is up. */
final class DevBanner {
  private DevBanner() {}

  /**
   * The banner of a platform on {@code config}; {@code notes} says what each server is, {@code
   * topology} the separate processes of {@code up} (null for {@code dev}), {@code demo} the demo
   * tenant (null for none).
   */
  static String of(
      DevConfiguration config,
      Map<String, String> notes,
      PlatformTopology topology,
      DemoTenant.Outcome demo) {
    DevSettings settings = config.settings();
    Path file = config.home().resolve("dev.env");
    if (topology != null) {
      return topology(config, notes, topology, file);
    }
    StringBuilder b = new StringBuilder();
    b.append("\n  TaskifAI dev platform is up\n\n");
    b.append("  Admin portal + API   ").append(settings.adminUrl()).append('\n');
    b.append("  Routing runtime      ")
        .append(settings.routerUrl())
        .append(" (tenants at http://<subdomain>.")
        .append(settings.baseDomain())
        .append(':')
        .append(URI.create(settings.routerUrl()).getPort())
        .append(")\n");
    b.append("  Metrics (loopback)   http://127.0.0.1:")
        .append(settings.adminManagementPort())
        .append("/actuator/prometheus (admin API), http://127.0.0.1:")
        .append(settings.routerManagementPort())
        .append("/actuator/prometheus (router)\n");
    notes(b, notes);
    b.append("  Dev admin login      ")
        .append(settings.adminEmail())
        .append(" (password and TOTP secret in .taskifai/dev.env)\n");
    if (demo != null && config.demo() != null) {
      b.append("  Demo tenant          ")
          .append(config.demo().url())
          .append("  sign in as ")
          .append(demo.email())
          .append(" / ")
          .append(demo.password())
          .append('\n');
    }
    b.append("  Settings             ").append(file).append('\n');
    b.append("\n  Ctrl-C stops everything.\n");
    return b.toString();
  }

  private static String topology(
      DevConfiguration config, Map<String, String> notes, PlatformTopology topology, Path file) {
    DevSettings settings = config.settings();
    StringBuilder b = new StringBuilder();
    b.append("\n  TaskifAI platform is up: separate processes (./taskifai up)\n\n");
    b.append("  Admin portal + API   ").append(settings.adminUrl()).append('\n');
    b.append("  Routers              ")
        .append(settings.routerUrl())
        .append(", ")
        .append(config.router2Url())
        .append(" (tenants at http://<subdomain>.")
        .append(settings.baseDomain())
        .append(":<router port>)\n");
    b.append("  Processes (pid, metrics, log)\n");
    for (PlatformTopology.Child c : topology.children()) {
      URI probe = c.readiness;
      b.append(String.format("    %-9s pid %-8d ", c.name, c.process().pid()))
          .append("http://")
          .append(probe.getHost())
          .append(':')
          .append(probe.getPort())
          .append("/actuator/prometheus  ")
          .append(c.log)
          .append('\n');
    }
    notes(b, notes);
    b.append("  Dev admin login      ")
        .append(settings.adminEmail())
        .append(" (password and TOTP secret in .taskifai/dev.env)\n");
    b.append("  Settings             ").append(file).append('\n');
    b.append("\n  Ctrl-C stops everything.\n");
    return b.toString();
  }

  private static void notes(StringBuilder b, Map<String, String> notes) {
    notes.forEach(
        (k, v) -> b.append("  ").append(String.format("%-20s ", k)).append(v).append('\n'));
  }
}
