package com.taskifai.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A worker in a JVM of its own ({@link WorkerMain} on this test's class path), reading only the
 * given environment and writing to a log file, so that a test can kill it with SIGKILL mid-work.
 * The crash tests start it first, so that its JVM starts while the test prepares the tenant with a
 * worker in the test's own JVM, and {@link #awaitReady} before they hand it the work to kill.
 */
final class WorkerProcess {
  final Path log;
  private final Process process;

  private WorkerProcess(Path log, Process process) {
    this.log = log;
    this.process = process;
  }

  /** Starts the process with {@code env} in place of this JVM's TASKIFAI_ variables. */
  static WorkerProcess start(String logPrefix, Map<String, String> env) throws IOException {
    Path log = Files.createTempFile(logPrefix, ".log");
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // A short-lived worker: the quick compiler only and one GC thread start it sooner
                // and leave the cores to the test beside it.
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                WorkerMain.class.getName())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().keySet().removeIf(key -> key.startsWith("TASKIFAI_"));
    builder.environment().putAll(env);
    Process process = builder.start();
    // A test that fails before it kills the worker must not leave it running after this JVM.
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
    return new WorkerProcess(log, process);
  }

  /** Waits up to 60 seconds for the worker's ready line, asserting it stays alive meanwhile. */
  void awaitReady() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!log().contains(WorkerMain.READY)) {
      assertThat(isAlive() && System.nanoTime() < deadline).as("worker starts: %s", log()).isTrue();
      Thread.sleep(100);
    }
  }

  /**
   * Polls {@code step} (a workflow's current step) every 5 ms while it names one of {@code early},
   * for at most 60 seconds; the step it named last.
   */
  static String awaitStepBeyond(List<String> early, Supplier<String> step)
      throws InterruptedException {
    String current = step.get();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (early.contains(current) && System.nanoTime() < deadline) {
      Thread.sleep(5);
      current = step.get();
    }
    return current;
  }

  /**
   * Polls {@code step} every 100 ms until it names {@code wanted}, asserting ({@code what}) that it
   * does within {@code timeout}.
   */
  static void awaitStep(String wanted, Supplier<String> step, Duration timeout, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!wanted.equals(step.get())) {
      assertThat(System.nanoTime() < deadline).as(what).isTrue();
      Thread.sleep(100);
    }
  }

  String log() throws IOException {
    return Files.readString(log);
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL, then up to 10 seconds for the process to be gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }
}
