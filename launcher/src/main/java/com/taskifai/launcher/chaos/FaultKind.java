package com.taskifai.launcher.chaos;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The kinds of fault the chaos soak injects; each name is what {@code --faults} takes and the
 * report shows (a contract).
 */
public enum FaultKind {
  /** SIGKILL of a worker process, then a restart. */
  KILL_WORKER("kill-worker"),
  /** SIGKILL of a router process, then a restart. */
  KILL_ROUTER("kill-router"),
  /** SIGKILL of the admin API process, then a restart. */
  KILL_API("kill-api"),
  /** SIGSTOP of a worker, router or the admin API for a few seconds, then SIGCONT. */
  PAUSE("pause"),
  /** SIGKILL of the Temporal CLI server, then a start on the same database file. */
  TEMPORAL_RESTART("temporal-restart"),
  /** The second database server (tenant databases only) stopped for a few seconds. */
  TENANT_DB("tenant-db"),
  /** The SMTP server down for a few seconds. */
  SMTP("smtp"),
  /**
   * The first database server stopped for a few seconds: it holds the registry (platform database)
   * and the tenant databases of local-1.
   */
  REGISTRY_DB("registry-db");

  private final String option;

  FaultKind(String option) {
    this.option = option;
  }

  /** The name {@code --faults} takes. */
  public String option() {
    return option;
  }

  @Override
  public String toString() {
    return option;
  }

  /** Every name, comma-separated, for messages. */
  public static String names() {
    return Arrays.stream(values()).map(FaultKind::option).collect(Collectors.joining(","));
  }

  /**
   * The kinds a {@code --faults} list names ({@code all} for every kind).
   *
   * @throws IllegalArgumentException naming the unknown kind and the known ones
   */
  public static Set<FaultKind> parse(String list) {
    if (list == null || list.isBlank() || list.strip().equals("all")) {
      return EnumSet.allOf(FaultKind.class);
    }
    EnumSet<FaultKind> kinds = EnumSet.noneOf(FaultKind.class);
    for (String name : List.of(list.split(","))) {
      String n = name.strip();
      if (n.isEmpty()) {
        continue;
      }
      kinds.add(
          Arrays.stream(values())
              .filter(k -> k.option.equals(n))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "unknown fault '" + n + "'; known: " + names() + " (or all)")));
    }
    if (kinds.isEmpty()) {
      throw new IllegalArgumentException("--faults names no fault; known: " + names());
    }
    return kinds;
  }
}
