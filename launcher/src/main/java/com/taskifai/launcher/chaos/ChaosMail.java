package com.taskifai.launcher.chaos;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.taskifai.api.dev.OutboxMessage;
import com.taskifai.launcher.GreenMailOutbox;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The platform's SMTP server during a chaos run, inside the chaos JVM: GreenMail on a fixed port
 * that the SMTP fault stops and starts again (a new server on the same port). What each server
 * received is kept across the outages, so the workload reads every mail however many times the
 * server went down.
 */
final class ChaosMail implements AutoCloseable {
  private final ServerSetup setup;
  private final List<OutboxMessage> earlier = new CopyOnWriteArrayList<>();
  private GreenMail server;

  ChaosMail(int port) {
    this.setup = new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP);
    start();
  }

  synchronized void start() {
    if (server == null) {
      GreenMail s = new GreenMail(setup);
      s.start();
      server = s;
    }
  }

  /** Stops the server; mail sent until it is started again fails to connect. */
  synchronized void stop() {
    if (server != null) {
      earlier.addAll(new GreenMailOutbox(server).messages());
      server.stop();
      server = null;
    }
  }

  synchronized List<OutboxMessage> messages() {
    List<OutboxMessage> all = new ArrayList<>(earlier);
    if (server != null) {
      all.addAll(new GreenMailOutbox(server).messages());
    }
    return all;
  }

  /** The latest link matching {@code pattern} in a mail to {@code to}, if one came. */
  Optional<String> link(String to, String pattern) {
    Pattern link = Pattern.compile("https?://[^\\s\"<>]*" + pattern);
    String latest = null;
    for (OutboxMessage m : messages()) {
      if (m.to() == null || !m.to().contains(to) || m.text() == null) {
        continue;
      }
      Matcher found = link.matcher(m.text());
      if (found.find()) {
        latest = found.group();
      }
    }
    return Optional.ofNullable(latest);
  }

  int port() {
    return setup.getPort();
  }

  @Override
  public synchronized void close() {
    if (server != null) {
      server.stop();
      server = null;
    }
  }
}
