package com.taskifai.worker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Runs {@link PitrBenchmark} inside a reactor build, where the launcher is not installed: {@code
 * ./mvnw -pl worker -am test -Dtest=PitrBenchmarkRun -Dsurefire.failIfNoSpecifiedTests=false
 * -Dtaskifai.bench.pitr=1000000 [-Dtaskifai.bench.tenants=50]}. Off in ordinary builds.
 */
@EnabledIfSystemProperty(named = "taskifai.bench.pitr", matches = "[0-9]+")
class PitrBenchmarkRun {
  @Test
  void run() throws Exception {
    System.out.println(
        PitrBenchmark.run(
            Integer.parseInt(System.getProperty("taskifai.bench.pitr")),
            Integer.parseInt(System.getProperty("taskifai.bench.tenants", "50"))));
  }
}
