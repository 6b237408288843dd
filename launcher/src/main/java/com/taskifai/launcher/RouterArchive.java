package com.taskifai.launcher;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The router's class-data archive (AppCDS): the classes a router loads while its Spring context
 * starts, parsed and verified once and mapped by every later router start, so a restarted router
 * spends less CPU before it serves. Java 17 writes such an archive only when a JVM started with
 * {@code -XX:ArchiveClassesAtExit} exits cleanly, so the first start of a platform runs the router
 * once for training ({@code -Dspring.context.exit=onRefresh}: Spring creates every bean, then the
 * JVM exits before the web server listens) and keeps the archive beside the router's extracted
 * classpath, where a new launcher jar replaces both. Only for a classpath of jars (the launcher's
 * executable jar); {@value #SWITCH}{@code =false} starts routers without it. A JVM that cannot use
 * the archive (another JDK, another classpath) starts without it, as it would have.
 */
final class RouterArchive {
  /** The environment key that switches the archive off ({@code false}). */
  static final String SWITCH = "TASKIFAI_ROUTER_CDS";

  static final String FILE = "router-cds.jsa";

  private static final Duration TRAINING_LIMIT = Duration.ofSeconds(240);

  private RouterArchive() {}

  /**
   * Where the archive of a router on {@code classPath} lives: beside its first jar; empty when the
   * classpath holds a folder (CDS refuses those) or {@code env} switches the archive off.
   */
  static Optional<Path> of(String classPath, Map<String, String> env) {
    if ("false".equalsIgnoreCase(env.getOrDefault(SWITCH, "true"))) {
      return Optional.empty();
    }
    String[] entries = classPath.split(File.pathSeparator);
    for (String e : entries) {
      if (!e.endsWith(".jar") || Files.isDirectory(Path.of(e))) {
        return Optional.empty();
      }
    }
    return Optional.of(Path.of(entries[0]).toAbsolutePath().resolveSibling(FILE));
  }

  /**
   * Writes the archive once, by running the router's command with {@code -XX:ArchiveClassesAtExit}
   * until its Spring context has started; a second call finds it and does nothing. A training run
   * that fails leaves no archive (routers then start without one) and says so on stderr.
   *
   * @param command the router's command without the archive option
   */
  static void train(Path archive, List<String> command, Map<String, String> env, Path log)
      throws IOException, InterruptedException {
    if (Files.isRegularFile(archive)) {
      return;
    }
    Path partial = archive.resolveSibling(FILE + ".partial");
    Files.deleteIfExists(partial);
    List<String> training = new ArrayList<>(command);
    training.add(1, "-XX:ArchiveClassesAtExit=" + partial);
    training.add(2, "-Dspring.context.exit=onRefresh");
    ProcessBuilder pb = new ProcessBuilder(training);
    pb.environment().clear();
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    Files.createDirectories(log.getParent());
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    long started = System.nanoTime();
    Process p = pb.start();
    if (!p.waitFor(TRAINING_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    if (!p.isAlive()
        && p.exitValue() == 0
        && Files.isRegularFile(partial)
        && Files.size(partial) > 0) {
      Files.move(partial, archive, StandardCopyOption.ATOMIC_MOVE);
      System.err.printf(
          "taskifai: router class-data archive written in %d ms (%s)%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), archive);
    } else {
      Files.deleteIfExists(partial);
      System.err.println(
          "taskifai: routers start without a class-data archive (its training run failed; see "
              + log
              + ")");
    }
  }
}
