package com.taskifai.worker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Runs {@link ExportBenchmark} inside a reactor build: {@code ./mvnw -pl worker -am verify
 * -Dtest=ExportBenchmarkRun -Dsurefire.failIfNoSpecifiedTests=false -Dtaskifai.bench.export=1000000
 * [-Dtaskifai.bench.runs=2]}. Off in ordinary builds.
 */
@EnabledIfSystemProperty(named = "taskifai.bench.export", matches = "[0-9]+")
class ExportBenchmarkRun {
  @Test
  void run() throws Exception {
    System.out.println(
        ExportBenchmark.run(
            Integer.parseInt(System.getProperty("taskifai.bench.export")),
            Integer.parseInt(System.getProperty("taskifai.bench.runs", "2"))));
  }
}
