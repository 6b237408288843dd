package com.taskifai.launcher;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The handles of a started {@code ./taskifai up} platform that an outage needs: its processes
 * (SIGKILL and restart, SIGSTOP and SIGCONT), the Temporal CLI server (killed and started again on
 * its database file) and each embedded PostgreSQL server (stopped and started again on its port and
 * data folder). The chaos soak drives them; nothing else should.
 */
public final class PlatformControl implements AutoCloseable {
  private final DevPlatform platform;

  private PlatformControl(DevPlatform platform) {
    this.platform = platform;
  }

  /**
   * Starts the production shape of {@code ./taskifai up} (two workers, two routers, the admin API,
   * the Temporal CLI server, the embedded PostgreSQL servers) on {@code env} in {@code home}.
   */
  public static PlatformControl startProductionShape(Map<String, String> env, Path home)
      throws Exception {
    DevPlatform platform = new DevPlatform(env, home, true);
    try {
      platform.start();
    } catch (Exception e) {
      platform.close();
      throw e;
    }
    if (platform.topology().isEmpty() || platform.temporalCli().isEmpty()) {
      platform.close();
      throw new IllegalStateException("the production shape needs the Temporal CLI server");
    }
    return new PlatformControl(platform);
  }

  /** True when this machine has the Temporal CLI the production shape runs on. */
  public static boolean temporalCliInstalled() {
    return TemporalCli.find(System.getenv()).isPresent();
  }

  /** What the platform wrote to dev.env: URLs, ports, the admin's credentials. */
  public Map<String, String> settings() {
    return platform.devEnv();
  }

  /** The names of the platform processes: worker-1, worker-2, router-1, router-2, api. */
  public List<String> processes() {
    return topology().children().stream().map(c -> c.name).toList();
  }

  public long pid(String process) {
    return topology().child(process).process().pid();
  }

  /** The port of the process's readiness probe (its metrics port). */
  public int managementPort(String process) {
    return topology().child(process).readiness.getPort();
  }

  /** The file the process logs to. */
  public Path log(String process) {
    return topology().child(process).log;
  }

  public void kill(String process) throws InterruptedException {
    topology().kill(process);
  }

  /** Starts the process again and waits for its readiness; false when it was late. */
  public boolean restart(String process, Duration limit) throws IOException, InterruptedException {
    return topology().restart(process, limit);
  }

  public void pause(String process) throws IOException, InterruptedException {
    topology().signal(process, "STOP");
  }

  public void resume(String process) throws IOException, InterruptedException {
    topology().signal(process, "CONT");
  }

  /** SIGKILLs the Temporal CLI server. */
  public void killTemporal() {
    platform.temporalCli().orElseThrow().kill();
  }

  /** Starts the Temporal CLI server again on its database file and ports. */
  public void startTemporal() throws IOException {
    platform.temporalCli().orElseThrow().start();
  }

  /** The ids of the embedded database servers ({@code local-1} also holds the registry). */
  public List<String> databaseServers() {
    return List.copyOf(platform.embeddedDatabases().keySet());
  }

  public void stopDatabase(String serverId) throws IOException {
    database(serverId).stop();
  }

  public void startDatabase(String serverId) throws IOException {
    database(serverId).start();
  }

  private EmbeddedDatabase database(String serverId) {
    EmbeddedDatabase db = platform.embeddedDatabases().get(serverId);
    if (db == null) {
      throw new IllegalArgumentException(
          "no embedded database server " + serverId + " in " + databaseServers());
    }
    return db;
  }

  private PlatformTopology topology() {
    return platform.topology().orElseThrow();
  }

  @Override
  public void close() {
    platform.close();
  }
}
