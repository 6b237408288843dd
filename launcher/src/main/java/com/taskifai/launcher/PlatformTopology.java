package com.taskifai.launcher;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;

/**
 * The platform's own processes of {@code ./taskifai up}, each a JVM of its own started from this
 * launcher's classpath ({@link ChildMain}): two workers, two routers and one admin API, sharing one
 * environment. Each logs to {@code <home>/logs/<name>.log}. {@link #close()} stops them all
 * (SIGTERM, then SIGKILL after a grace period) and waits until they are gone.
 */
final class PlatformTopology implements AutoCloseable {
  /** Extra JVM options of every child, split on blanks (for example {@code -Xmx512m}). */
  static final String CHILD_JAVA_OPTS = "TASKIFAI_CHILD_JAVA_OPTS";

  private static final Duration START_LIMIT = Duration.ofSeconds(300);

  /**
   * How often a process that exits while starting is started again (a busy machine: a worker exits
   * when Temporal does not answer its first call in time), within {@link #START_LIMIT}.
   */
  private static final int START_RETRIES = 6;

  private static final Duration STOP_GRACE = Duration.ofSeconds(20);

  /** One platform process: its name, role, environment, log and readiness probe. */
  static final class Child {
    final String name;
    final String role;
    final Map<String, String> env;
    final URI readiness;
    final Path log;
    private Process process;
    private int restarts;

    Child(String name, String role, Map<String, String> env, URI readiness, Path log) {
      this.name = name;
      this.role = role;
      this.env = env;
      this.readiness = readiness;
      this.log = log;
    }

    /** The running process (tests kill it). */
    Process process() {
      return process;
    }
  }

  private final Map<String, Child> children = new LinkedHashMap<>();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  PlatformTopology add(String name, String role, Map<String, String> env, URI readiness, Path log) {
    children.put(name, new Child(name, role, Map.copyOf(env), readiness, log));
    return this;
  }

  Child child(String name) {
    Child c = children.get(name);
    if (c == null) {
      throw new IllegalArgumentException("no process " + name + " in " + children.keySet());
    }
    return c;
  }

  List<Child> children() {
    return List.copyOf(children.values());
  }

  /** Starts every process at once, then waits until each answers its readiness probe. */
  void start() throws IOException {
    trainRouterArchive();
    for (Child c : children.values()) {
      launch(c);
    }
    long deadline = System.nanoTime() + START_LIMIT.toNanos();
    List<Child> waiting = new ArrayList<>(children.values());
    while (!waiting.isEmpty()) {
      for (Child c : List.copyOf(waiting)) {
        if (!c.process.isAlive() && c.restarts < START_RETRIES) {
          c.restarts++;
          System.err.println(
              c.name + " exited with code " + c.process.exitValue() + " while starting; again");
          launch(c);
          continue;
        }
        if (!c.process.isAlive()) {
          close();
          throw new IllegalStateException(
              c.name
                  + " exited with code "
                  + c.process.exitValue()
                  + " while starting; see "
                  + c.log);
        }
        if (ready(c)) {
          waiting.remove(c);
        }
      }
      if (System.nanoTime() > deadline) {
        String late = waiting.stream().map(c -> c.name + " (" + c.log + ")").toList().toString();
        close();
        throw new IllegalStateException(
            "not ready within " + START_LIMIT.toSeconds() + " s: " + late);
      }
      if (!waiting.isEmpty()) {
        sleep(250);
      }
    }
  }

  /** The routers' class-data archive, written before the first router starts if missing. */
  private void trainRouterArchive() throws IOException {
    Optional<Child> router =
        children.values().stream().filter(c -> c.role.equals("router")).findFirst();
    if (router.isEmpty()) {
      return;
    }
    Child c = router.get();
    Optional<String> classPath = RouterClasspath.of(System.getProperty("java.class.path"));
    Optional<Path> archive = classPath.flatMap(cp -> RouterArchive.of(cp, c.env));
    if (archive.isPresent()) {
      try {
        RouterArchive.train(
            archive.get(),
            command(c.role, c.env.get(CHILD_JAVA_OPTS), Map.of(RouterArchive.SWITCH, "false")),
            c.env,
            c.log.resolveSibling("router-cds-training.log"));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void launch(Child c) throws IOException {
    Files.createDirectories(c.log.getParent());
    ProcessBuilder pb = new ProcessBuilder(command(c.role, c.env.get(CHILD_JAVA_OPTS), c.env));
    pb.environment().clear();
    pb.environment().putAll(c.env);
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(c.log.toFile()));
    c.process = pb.start();
  }

  /** True when the process answers 200 on its readiness probe. */
  boolean ready(Child c) {
    try {
      HttpResponse<Void> r =
          http.send(
              HttpRequest.newBuilder(c.readiness).timeout(Duration.ofSeconds(2)).GET().build(),
              HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * {@code java … ChildMain <role>} on this JVM's classpath: through Spring Boot's launcher when
   * this JVM runs from the launcher's executable jar, else on the plain classpath. A router starts
   * as {@link RouterMain} on the routing runtime's own classpath ({@link RouterClasspath}) where
   * that is found, mapping its class-data archive ({@link RouterArchive}) when there is one.
   */
  static List<String> command(String role, String opts, Map<String, String> env) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    if (opts != null && !opts.isBlank()) {
      command.addAll(List.of(opts.strip().split("\\s+")));
    }
    String classPath = System.getProperty("java.class.path");
    Optional<String> routerClassPath =
        role.equals("router") ? RouterClasspath.of(classPath) : Optional.empty();
    command.add("-cp");
    if (routerClassPath.isPresent()) {
      Optional<Path> archive =
          RouterArchive.of(routerClassPath.get(), env).filter(Files::isRegularFile);
      if (archive.isPresent()) {
        command.add(command.size() - 1, "-XX:SharedArchiveFile=" + archive.get());
      }
      command.add(routerClassPath.get());
      command.add(RouterMain.class.getName());
      return command;
    }
    command.add(classPath);
    if (isBootJar(classPath)) {
      command.add("-Dloader.main=" + ChildMain.class.getName());
      command.add("org.springframework.boot.loader.launch.PropertiesLauncher");
    } else {
      command.add(ChildMain.class.getName());
    }
    command.add(role);
    return command;
  }

  private static boolean isBootJar(String classPath) {
    if (classPath.contains(File.pathSeparator) || !classPath.endsWith(".jar")) {
      return false;
    }
    try (JarFile jar = new JarFile(classPath)) {
      return jar.getManifest() != null
          && jar.getManifest().getMainAttributes().getValue("Start-Class") != null;
    } catch (IOException e) {
      return false;
    }
  }

  /** SIGTERM to every process, SIGKILL to those still running after the grace period. */
  @Override
  public void close() {
    List<Process> running =
        children.values().stream()
            .map(c -> c.process)
            .filter(p -> p != null && p.isAlive())
            .toList();
    List<ProcessHandle> descendants = running.stream().flatMap(Process::descendants).toList();
    running.forEach(Process::destroy);
    long deadline = System.nanoTime() + STOP_GRACE.toNanos();
    for (Process p : running) {
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        if (!p.waitFor(left, TimeUnit.NANOSECONDS)) {
          p.destroyForcibly();
          p.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  /**
   * SIGKILLs the process, as a crash would, and waits until it is gone; {@link #restart} starts it
   * again.
   */
  void kill(String name) throws InterruptedException {
    Child c = child(name);
    Process p = c.process;
    if (p != null && p.isAlive()) {
      List<ProcessHandle> descendants = p.descendants().toList();
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
      descendants.forEach(ProcessHandle::destroyForcibly);
    }
  }

  /**
   * Starts the process again (after {@link #kill}, or kills it first) with its environment and log,
   * and waits until it answers its readiness probe.
   *
   * @return false when it was not ready within {@code limit}
   */
  boolean restart(String name, Duration limit) throws IOException, InterruptedException {
    Child c = child(name);
    kill(name);
    launch(c);
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      if (!c.process.isAlive()) {
        launch(c);
      } else if (ready(c)) {
        return true;
      }
      Thread.sleep(250);
    }
    return false;
  }

  /** Sends {@code signal} ({@code STOP}, {@code CONT}) to the process with {@code kill}. */
  void signal(String name, String signal) throws IOException, InterruptedException {
    Process p = child(name).process;
    if (p == null || !p.isAlive()) {
      return;
    }
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IOException("kill -" + signal + " " + p.pid() + " failed");
    }
  }

  /** The child whose JVM has this process id, if any. */
  Optional<Child> byPid(long pid) {
    return children.values().stream()
        .filter(c -> c.process != null && c.process.pid() == pid)
        .findFirst();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the platform processes", e);
    }
  }
}
