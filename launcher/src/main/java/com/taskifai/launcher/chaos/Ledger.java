package com.taskifai.launcher.chaos;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Every tenant write the workload sent, with its client-chosen SKU and the answer; and the windows
 * a replace-restore rolled back (from the backup's request to the restore's end), inside which an
 * acknowledged write may be missing.
 */
final class Ledger {
  /** One write: sent at {@code sent}, answered {@code status} at {@code answered}. */
  record Write(UUID tenant, String sku, int status, Instant sent, Instant answered) {
    boolean acknowledged() {
      return status >= 200 && status < 300;
    }
  }

  /** A window a replace-restore rolled back; {@code to} is null while the restore may run. */
  record Window(Instant from, Instant to, String restore) {
    boolean covers(Write w) {
      return !w.answered().isBefore(from) && (to == null || !w.sent().isAfter(to));
    }
  }

  private final Queue<Write> writes = new ConcurrentLinkedQueue<>();
  private final Map<UUID, List<Window>> windows = new ConcurrentHashMap<>();

  void record(Write w) {
    writes.add(w);
  }

  void rolledBack(UUID tenant, Window w) {
    windows.computeIfAbsent(tenant, t -> new CopyOnWriteArrayList<>()).add(w);
  }

  /** Replaces the open window of {@code restore} with its end. */
  void restoreEnded(UUID tenant, String restore, Instant to) {
    List<Window> list = windows.get(tenant);
    if (list == null) {
      return;
    }
    for (Window w : List.copyOf(list)) {
      if (w.restore().equals(restore) && w.to() == null) {
        list.remove(w);
        list.add(new Window(w.from(), to, restore));
      }
    }
  }

  int size() {
    return writes.size();
  }

  long acknowledged() {
    return writes.stream().filter(Write::acknowledged).count();
  }

  /** The acknowledged writes of {@code tenant} answered before {@code until}. */
  List<Write> acknowledged(UUID tenant, Instant until) {
    List<Write> out = new ArrayList<>();
    for (Write w : writes) {
      if (w.tenant().equals(tenant) && w.acknowledged() && w.answered().isBefore(until)) {
        out.add(w);
      }
    }
    return out;
  }

  /** The writes of {@code tenant} acknowledged but not {@code found}, outside every window. */
  List<Write> lost(UUID tenant, Set<String> found, Instant until) {
    List<Window> allowed = windows.getOrDefault(tenant, List.of());
    List<Write> lost = new ArrayList<>();
    for (Write w : acknowledged(tenant, until)) {
      if (!found.contains(w.sku()) && allowed.stream().noneMatch(a -> a.covers(w))) {
        lost.add(w);
      }
    }
    return lost;
  }

  /** How many acknowledged writes of {@code tenant} a window allowed to be missing, and were. */
  long rolledBackMissing(UUID tenant, Set<String> found, Instant until) {
    List<Window> allowed = windows.getOrDefault(tenant, List.of());
    return acknowledged(tenant, until).stream()
        .filter(w -> !found.contains(w.sku()) && allowed.stream().anyMatch(a -> a.covers(w)))
        .count();
  }
}
