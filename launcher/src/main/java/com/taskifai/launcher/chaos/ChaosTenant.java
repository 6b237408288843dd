package com.taskifai.launcher.chaos;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tenant the workload made and signed in to: its id, subdomain, first admin and token, whether it
 * is (still) a trial, the backups it asked for, and whether it was offboarded.
 */
final class ChaosTenant {
  final UUID id;
  final String subdomain;
  final String email;
  final String password;
  volatile String token;
  volatile boolean trial;
  volatile boolean offboarded;
  final AtomicInteger writes = new AtomicInteger();

  /** The backups asked for, by id, with when they were asked for. */
  final Map<String, Instant> backups = new ConcurrentHashMap<>();

  ChaosTenant(
      UUID id, String subdomain, String email, String password, String token, boolean trial) {
    this.id = id;
    this.subdomain = subdomain;
    this.email = email;
    this.password = password;
    this.token = token;
    this.trial = trial;
  }

  /** A client-chosen product SKU of this tenant: its subdomain, a dot, a number. */
  String nextSku() {
    return subdomain + "." + writes.incrementAndGet();
  }

  /** The SKU of the marker row every tenant gets right after it is made. */
  String markerSku() {
    return subdomain + ".marker";
  }

  @Override
  public String toString() {
    return subdomain + " (" + id + (trial ? ", trial" : "") + ")";
  }
}
