package com.taskifai.worker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Runs {@link ImportBenchmark} inside a reactor build: {@code ./mvnw -pl worker -am verify
 * -Dtest=ImportBenchmarkRun -Dsurefire.failIfNoSpecifiedTests=false -Dtaskifai.bench.import=1000000
 * [-Dtaskifai.bench.runs=1]}. Off in ordinary builds.
 */
@EnabledIfSystemProperty(named = "taskifai.bench.import", matches = "[0-9]+")
class ImportBenchmarkRun {
  @Test
  void run() throws Exception {
    System.out.println(
        ImportBenchmark.run(
            Integer.parseInt(System.getProperty("taskifai.bench.import")),
            Integer.parseInt(System.getProperty("taskifai.bench.runs", "1"))));
  }
}
