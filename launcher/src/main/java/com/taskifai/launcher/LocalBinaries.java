package com.taskifai.launcher;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The programs the dev platform runs beside itself (the Temporal CLI, Jaeger): where their binary
 * is found, and how one is stopped.
 */
final class LocalBinaries {
  private LocalBinaries() {}

  /**
   * The executable file {@code name} in a folder of the environment's {@code PATH} or in Go's
   * install folder ({@code $GOPATH/bin}, {@code ~/go/bin} without it), in that order.
   */
  static Optional<Path> onPath(Map<String, String> env, String name) {
    String path = env.getOrDefault("PATH", "");
    Stream<Path> folders =
        Stream.concat(
            Stream.of(path.split(File.pathSeparator)).filter(s -> !s.isBlank()).map(Path::of),
            Stream.of(
                Path.of(
                    env.getOrDefault("GOPATH", System.getProperty("user.home") + "/go"), "bin")));
    return folders.map(dir -> dir.resolve(name)).filter(LocalBinaries::runnable).findFirst();
  }

  /** The file at {@code path} when it is an executable file. */
  static Optional<Path> at(String path) {
    return Optional.of(Path.of(path)).filter(LocalBinaries::runnable);
  }

  private static boolean runnable(Path file) {
    return Files.isRegularFile(file) && Files.isExecutable(file);
  }

  /** Asks the process to end, and ends it forcibly when it has not within 10 s. */
  static void stop(Process process) {
    if (process == null || !process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
