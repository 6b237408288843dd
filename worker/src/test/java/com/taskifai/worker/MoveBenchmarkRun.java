package com.taskifai.worker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Runs {@link MoveBenchmark} inside a reactor build: {@code ./mvnw -pl worker -am verify
 * -Dtest=MoveBenchmarkRun -Dsurefire.failIfNoSpecifiedTests=false -Dtaskifai.bench.move=1000000
 * [-Dtaskifai.bench.rate=50] [-Dtaskifai.bench.online-only=true]}. Off in ordinary builds.
 */
@EnabledIfSystemProperty(named = "taskifai.bench.move", matches = "[0-9]+")
class MoveBenchmarkRun {
  @Test
  void run() throws Exception {
    MoveBenchmark.Report report =
        MoveBenchmark.run(
            Integer.parseInt(System.getProperty("taskifai.bench.move")),
            Integer.parseInt(System.getProperty("taskifai.bench.rate", "50")),
            Boolean.getBoolean("taskifai.bench.online-only"));
    System.out.println(report.text());
    // The benchmark's one hard promise: nothing a client was told is written is missing.
    report.requireNothingLost();
  }
}
