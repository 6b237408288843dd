package com.taskifai.launcher.chaos;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * What each kind of fault can hit, and which of those targets are free while other faults run: a
 * target hit by one fault is not hit by another until that one has ended and recovered, and at most
 * one router is down or paused at a time (so the tenant API stays reachable through the other).
 */
final class FaultTargets {
  /** Every target a fault can hit. */
  static final List<String> ALL =
      List.of(
          "worker-1",
          "worker-2",
          "router-1",
          "router-2",
          "api",
          "temporal",
          "local-1",
          "local-2",
          "smtp");

  private static final List<String> PROCESSES =
      List.of("worker-1", "worker-2", "router-1", "router-2", "api");

  private final Set<String> busy = new HashSet<>();

  /** The targets a fault of {@code kind} can hit. */
  static List<String> of(FaultKind kind) {
    return switch (kind) {
      case KILL_WORKER -> List.of("worker-1", "worker-2");
      case KILL_ROUTER -> List.of("router-1", "router-2");
      case KILL_API -> List.of("api");
      case PAUSE -> PROCESSES;
      case TEMPORAL_RESTART -> List.of("temporal");
      case TENANT_DB -> List.of("local-2");
      case REGISTRY_DB -> List.of("local-1");
      case SMTP -> List.of("smtp");
    };
  }

  /**
   * A free target of {@code kind}, chosen by {@code random} and held until {@link #release}; empty
   * when every target of the kind is held (or is a router while the other router is).
   */
  synchronized Optional<String> claim(FaultKind kind, Random random) {
    List<String> free = new ArrayList<>();
    for (String t : of(kind)) {
      if (!busy.contains(t) && !(isRouter(t) && busy.stream().anyMatch(FaultTargets::isRouter))) {
        free.add(t);
      }
    }
    if (free.isEmpty()) {
      return Optional.empty();
    }
    String t = free.get(random.nextInt(free.size()));
    busy.add(t);
    return Optional.of(t);
  }

  synchronized void release(String target) {
    busy.remove(target);
  }

  /** The targets held now. */
  synchronized Set<String> held() {
    return Set.copyOf(busy);
  }

  private static boolean isRouter(String target) {
    return target.startsWith("router-");
  }
}
