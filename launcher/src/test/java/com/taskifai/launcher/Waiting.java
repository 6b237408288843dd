package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/** Waiting for something a running platform does, probing every so often up to a limit. */
final class Waiting {
  private Waiting() {}

  /** What {@code probe} finds, tried every 250 ms; fails after {@code limit}. */
  static <T> T await(String what, Duration limit, Supplier<Optional<T>> probe) {
    return await(what, limit, probe, Duration.ofMillis(250));
  }

  /**
   * What {@code probe} finds (a probe that throws finds nothing yet); fails after {@code limit}.
   */
  static <T> T await(String what, Duration limit, Supplier<Optional<T>> probe, Duration every) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      Optional<T> value;
      try {
        value = probe.get();
      } catch (RuntimeException notYet) {
        value = Optional.empty();
      }
      if (value.isPresent()) {
        return value.get();
      }
      if (System.nanoTime() > deadline) {
        fail("waited " + limit.toSeconds() + " s for " + what);
      }
      try {
        Thread.sleep(every.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}
