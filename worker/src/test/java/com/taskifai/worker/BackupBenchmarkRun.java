package com.taskifai.worker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Runs {@link BackupBenchmark} inside a reactor build, where the launcher is not installed: {@code
 * ./mvnw -pl worker -am verify -Dtest=BackupBenchmarkRun -Dsurefire.failIfNoSpecifiedTests=false
 * -Dtaskifai.bench.backup=1000000 [-Dtaskifai.bench.runs=2]}. Off in ordinary builds.
 */
@EnabledIfSystemProperty(named = "taskifai.bench.backup", matches = "[0-9]+")
class BackupBenchmarkRun {
  @Test
  void run() throws Exception {
    System.out.println(
        BackupBenchmark.run(
            Integer.parseInt(System.getProperty("taskifai.bench.backup")),
            Integer.parseInt(System.getProperty("taskifai.bench.runs", "2"))));
  }
}
