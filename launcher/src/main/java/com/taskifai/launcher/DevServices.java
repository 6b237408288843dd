package com.taskifai.launcher;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.taskifai.registry.tracing.PlatformTracing;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dev platform's servers besides PostgreSQL: Temporal (a real one named by {@code
 * TASKIFAI_TEMPORAL_TARGET}, the Temporal CLI's dev server, or the SDK's test server), SMTP (a real
 * one, or GreenMail) and the trace viewer. Each server it starts is stopped with the platform; what
 * it did goes into the banner's notes.
 */
final class DevServices {
  private static final Logger log = LoggerFactory.getLogger(DevServices.class);

  private final DevSettings settings;
  private final Path home;
  private final Deque<AutoCloseable> started;
  private final Map<String, String> notes;

  DevServices(
      DevSettings settings, Path home, Deque<AutoCloseable> started, Map<String, String> notes) {
    this.settings = settings;
    this.home = home;
    this.started = started;
    this.notes = notes;
  }

  // ---- Temporal -----------------------------------------------------------------------------

  /**
   * Where Temporal answers and its UI (null for none); {@code cli} is the CLI's dev server when
   * this started one, {@code embedded} true for the SDK's test server.
   */
  record Temporal(String target, String uiUrl, boolean embedded, TemporalCli cli) {}

  Temporal startTemporal() throws IOException {
    String target = settings.temporalTarget();
    if (target != null) {
      notes.put("Temporal", target + " (from TASKIFAI_TEMPORAL_TARGET)");
      return new Temporal(target, settings.temporalUiUrl(), false, null);
    }
    String bind = settings.bind();
    int port = settings.temporalPort();
    DevPlatform.requireFreePort(port, "the embedded Temporal server (TASKIFAI_TEMPORAL_PORT)");
    Optional<TemporalCli> cli = TemporalCli.choose(settings, home, port);
    if (cli.isPresent()) {
      TemporalCli server = cli.get();
      server.start();
      started.push(server);
      notes.put(
          "Temporal",
          "Temporal CLI dev server on " + bind + ":" + port + ", data in " + server.databaseFile());
      notes.put("Temporal UI", server.uiUrl());
      return new Temporal(settings.reach() + ":" + port, server.uiUrl(), false, server);
    }
    BoundTemporalTestServer server = BoundTemporalTestServer.start(bind, port);
    started.push(server);
    notes.put(
        "Temporal",
        "embedded Java test server on "
            + bind
            + ":"
            + port
            + " (no UI, forgets workflows on restart; install the temporal CLI for a real one: see README)");
    return new Temporal(settings.reach() + ":" + port, null, true, null);
  }

  // ---- Mail ---------------------------------------------------------------------------------

  /**
   * Where mail goes; {@code outbox} is the embedded server's in this JVM (null otherwise), {@code
   * server} where the api process of {@code up} serves SMTP (null otherwise).
   */
  record Mail(String host, int port, GreenMailOutbox outbox, String server) {}

  Mail startMail() {
    String host = settings.smtpHost();
    int port = settings.smtpPort();
    if (host != null) {
      notes.put("SMTP", host + ":" + port + " (from TASKIFAI_SMTP_HOST)");
      return new Mail(host, port, null, null);
    }
    DevPlatform.requireFreePort(port, "the embedded SMTP server (TASKIFAI_SMTP_PORT)");
    String bind = settings.bind();
    if (settings.separateProcesses()) {
      // The admin API process serves it, so its portal outbox shows the mail.
      notes.put(
          "SMTP",
          "embedded in the admin API process on "
              + bind
              + ":"
              + port
              + " (mail shows in the portal's outbox)");
      return new Mail(settings.reach(), port, null, bind + ":" + port);
    }
    GreenMail greenMail = new GreenMail(new ServerSetup(port, bind, ServerSetup.PROTOCOL_SMTP));
    greenMail.start();
    started.push(greenMail::stop);
    notes.put("SMTP", "embedded on " + bind + ":" + port + " (mail shows in the portal's outbox)");
    return new Mail(settings.reach(), port, new GreenMailOutbox(greenMail), null);
  }

  // ---- Traces -------------------------------------------------------------------------------

  /**
   * The {@code OTEL_*} settings and {@code TASKIFAI_TRACES_URL} every process gets (empty when
   * traces are off), and why they are off (null when on, or when the developer chose).
   */
  record Traces(Map<String, String> settings, String off) {}

  /**
   * Starts the trace viewer when one is found ({@link TraceViewer}); traces are off when there is
   * none, it does not start, or OTEL_TRACES_EXPORTER already says where traces go. Never a reason
   * not to start the platform: the banner says why traces are off.
   */
  Traces startTraces() throws IOException {
    Map<String, String> env = settings.environment();
    String exporter = env.get(PlatformTracing.TRACES_EXPORTER);
    if (exporter != null && !exporter.isBlank()) {
      // The developer chose (an exporter of their own, or none): that choice stands.
      String note =
          PlatformTracing.describe(env) + " (from the OTEL_* settings; no trace viewer started)";
      notes.put("Traces", note);
      return new Traces(Map.of(), note);
    }
    TraceViewer.Choice choice = TraceViewer.choose(env, home, settings.bind());
    if (choice.viewer().isEmpty()) {
      notes.put("Traces", choice.reason());
      return new Traces(Map.of(), choice.reason());
    }
    TraceViewer viewer = choice.viewer().get();
    try {
      viewer.start();
    } catch (IOException | IllegalStateException e) {
      log.warn("trace viewer not started, traces off: {}", e.getMessage());
      String note = "off (jaeger did not start: " + e.getMessage() + ")";
      notes.put("Traces", note);
      return new Traces(Map.of(), note);
    }
    started.push(viewer);
    notes.put("Traces", viewer.describe());
    Map<String, String> out = new LinkedHashMap<>(viewer.otelSettings());
    out.put(TraceViewer.TRACES_URL, viewer.uiUrl());
    return new Traces(out, null);
  }
}
