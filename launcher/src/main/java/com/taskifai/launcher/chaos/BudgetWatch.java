package com.taskifai.launcher.chaos;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Judges the routers' connection budgets from their gauges, check after check. A router may hold
 * more than its limit for a moment by design: one that cannot reach the registry sets its limit to
 * 0 two heartbeats before its lease runs out and then closes its idle connections while requests in
 * flight finish on theirs, and a router whose share shrank closes the excess at its next heartbeat.
 * So an excess is a violation only when the same router still holds more than its limit of the same
 * server {@link #BOUND} after it was first seen; a shorter one is counted as brief.
 */
final class BudgetWatch {
  /** How long an excess may last: a budget claim's lease ({@code TASKIFAI_ROUTER_BUDGET_LEASE}). */
  static final Duration BOUND = Duration.ofSeconds(10);

  private final Map<String, Instant> overSince = new HashMap<>();
  private int brief;

  /**
   * One reading of a router's gauges for one server ({@code key} names both).
   *
   * @return true when the router has held more than its limit for longer than {@link #BOUND}
   */
  synchronized boolean observe(String key, double held, double limit, Instant at) {
    if (limit < 0 || held <= limit) {
      if (overSince.remove(key) != null) {
        brief++;
      }
      return false;
    }
    Instant since = overSince.computeIfAbsent(key, k -> at);
    return Duration.between(since, at).compareTo(BOUND) > 0;
  }

  /**
   * Ends the readings of one check: a key not read this time (the router down, or the gauge gone)
   * is forgotten, counted as brief.
   */
  synchronized void seen(Set<String> keys, String prefix) {
    for (String k : new HashSet<>(overSince.keySet())) {
      if (k.startsWith(prefix) && !keys.contains(k)) {
        overSince.remove(k);
        brief++;
      }
    }
  }

  /** Excesses that ended within the bound. */
  synchronized int brief() {
    return brief;
  }
}
