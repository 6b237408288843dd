package com.taskifai.routing.tenancy;

import com.taskifai.routing.RoutingSettings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.UUID;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Listens on the registry's {@code tenant_changed} channel over a dedicated connection (not from a
 * pool: LISTEN belongs to one session) and drops changed tenants from the {@link TenantDirectory}.
 * When the connection breaks it reconnects with a growing pause and then clears the whole cache,
 * since notifications sent in between are lost.
 */
@Component
public class TenantChangeListener implements SmartLifecycle {
  private static final Logger log = LoggerFactory.getLogger(TenantChangeListener.class);
  static final String CHANNEL = "tenant_changed";

  private final RoutingSettings settings;
  private final TenantDirectory directory;
  private volatile boolean running;
  private volatile boolean listening;
  private volatile Connection connection;
  private Thread thread;

  public TenantChangeListener(RoutingSettings settings, TenantDirectory directory) {
    this.settings = settings;
    this.directory = directory;
  }

  @Override
  public synchronized void start() {
    running = true;
    thread = new Thread(this::listen, "tenant-changed-listener");
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public synchronized void stop() {
    running = false;
    closeQuietly(connection);
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** True while a LISTEN session is open; notifications are then delivered at once. */
  public boolean isListening() {
    return listening;
  }

  private void listen() {
    long pauseMillis = 100;
    while (running) {
      try (Connection c = open()) {
        connection = c;
        try (Statement st = c.createStatement()) {
          st.execute("LISTEN " + CHANNEL);
        }
        // Whatever changed while no session listened is unknown: start from a clean cache.
        directory.clearAll();
        listening = true;
        pauseMillis = 100;
        log.info("listening for tenant changes");
        PGConnection pg = c.unwrap(PGConnection.class);
        while (running) {
          PGNotification[] notes = pg.getNotifications(500);
          if (notes == null) {
            continue;
          }
          for (PGNotification n : notes) {
            deliver(n.getParameter());
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (running) {
          log.warn("tenant change listener lost its connection ({}); reconnecting", e.getMessage());
        }
      } finally {
        listening = false;
        connection = null;
      }
      if (running) {
        try {
          Thread.sleep(pauseMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        pauseMillis = Math.min(pauseMillis * 2, 5000);
      }
    }
  }

  private void deliver(String payload) {
    UUID id;
    try {
      id = UUID.fromString(payload.strip());
    } catch (IllegalArgumentException e) {
      // Not ours to understand; forgetting everything is the safe answer.
      directory.clearAll();
      return;
    }
    try {
      directory.onTenantChanged(id);
    } catch (RuntimeException e) {
      log.warn("handling the change of tenant {} failed: {}", id, e.toString());
    }
  }

  private Connection open() throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", settings.dbUsername);
    if (settings.dbPassword != null && !settings.dbPassword.isEmpty()) {
      p.setProperty("password", settings.dbPassword);
    }
    p.setProperty("ApplicationName", "taskifai-router-listener");
    p.setProperty("tcpKeepAlive", "true");
    return DriverManager.getConnection(settings.dbUrl, p);
  }

  private static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // Closing to stop; nothing to do about a failure.
      }
    }
  }
}
