package com.taskifai.registry.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Continuous WAL archiving of one embedded PostgreSQL server with pgBackRest: the server's {@code
 * archive_command} pushes every finished WAL segment into a pgBackRest repository folder (encrypted
 * with the repository cipher, {@code aes-256-cbc}), {@code archive_timeout} closes a segment at
 * least every 60 s, and base backups and their retention are pgBackRest's own {@code backup} and
 * {@code expire}. The repository is what a point-in-time restore reads.
 *
 * <p>The pgBackRest configuration (repository path, cipher passphrase, how to reach the server) is
 * one owner-only file, so neither the passphrase nor the superuser password appears in a command
 * line, a server setting or a log. The superuser password reaches {@code stanza-create} and {@code
 * backup} only as {@code PGPASSWORD} in their environment.
 */
public final class WalArchive {
  /** The stanza (pgBackRest's name for one server's archive) each repository holds. */
  public static final String STANZA = "main";

  /** At most this much committed work waits in an unfinished WAL segment (the RPO). */
  public static final Duration ARCHIVE_TIMEOUT = Duration.ofSeconds(60);

  /** How long full backups (and the WAL they need) are kept by default. */
  public static final int DEFAULT_RETENTION_DAYS = 7;

  /** The setting that turns archiving on: {@code on}, {@code off} or {@code auto}. */
  public static final String ENV = "TASKIFAI_PITR";

  /** The setting for the retention window in days ({@code 7} or {@code 7d}). */
  public static final String RETENTION_ENV = "TASKIFAI_PITR_RETENTION";

  /** Whether embedded servers archive their WAL ({@link #ENV}). */
  public enum Mode {
    /** Archive; refuse to start without pgbackrest. */
    ON,
    /** No archiving (the tests' default: it costs a stanza per server). */
    OFF,
    /** Archive when pgbackrest is installed, else report point-in-time recovery disabled. */
    AUTO;

    /**
     * Reads {@link #ENV}; {@code fallback} when unset.
     *
     * @throws IllegalArgumentException naming the setting and its values for anything else
     */
    public static Mode of(Map<String, String> env, Mode fallback) {
      String v = env.get(ENV);
      if (v == null || v.isBlank()) {
        return fallback;
      }
      return switch (v.strip().toLowerCase(java.util.Locale.ROOT)) {
        case "on", "true" -> ON;
        case "off", "false" -> OFF;
        case "auto" -> AUTO;
        default ->
            throw new IllegalArgumentException(
                ENV + " must be on, off or auto, got '" + v.strip() + "'");
      };
    }
  }

  /**
   * Reads {@link #RETENTION_ENV} (days, {@code 7} or {@code 7d}); {@link #DEFAULT_RETENTION_DAYS}
   * when unset.
   */
  public static int retentionDays(Map<String, String> env) {
    String v = env.get(RETENTION_ENV);
    if (v == null || v.isBlank()) {
      return DEFAULT_RETENTION_DAYS;
    }
    String days = v.strip().toLowerCase(java.util.Locale.ROOT);
    if (days.endsWith("d")) {
      days = days.substring(0, days.length() - 1);
    }
    try {
      int n = Integer.parseInt(days);
      if (n >= 1 && n <= 3650) {
        return n;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new IllegalArgumentException(
        RETENTION_ENV
            + " must be a number of days from 1 to 3650 (such as 7 or 7d), got '"
            + v
            + "'");
  }

  private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(10);

  private final Path tool;
  private final Path repository;
  private final Path configFile;
  private final Path lockDir;
  private final String passphrase;
  private final int retentionDays;

  private WalArchive(
      Path tool, Path repository, Path configDir, String passphrase, int retentionDays) {
    this.tool = tool;
    this.repository = repository.toAbsolutePath();
    this.configFile = configDir.toAbsolutePath().resolve("pgbackrest.conf");
    this.lockDir = configDir.toAbsolutePath().resolve("pgbackrest-lock");
    this.passphrase = passphrase;
    this.retentionDays = retentionDays;
  }

  /**
   * The {@code pgbackrest} executable on {@code PATH}, if there is one; point-in-time recovery is
   * off without it.
   */
  public static Optional<Path> findTool() {
    return findTool(System.getenv("PATH"));
  }

  /** The {@code pgbackrest} executable in one of the folders of {@code path}, if there is one. */
  public static Optional<Path> findTool(String path) {
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isBlank()) {
        continue;
      }
      Path candidate = Path.of(dir, "pgbackrest");
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * An archive into {@code repository} whose pgBackRest configuration lives in {@code configDir}
   * (owner-only, beside the server's generated {@code pg_hba.conf}).
   *
   * @param passphrase the repository cipher passphrase; kept like the platform's other secrets
   * @param retentionDays how many days of full backups {@code expire} keeps (at least 1)
   */
  public static WalArchive of(
      Path tool, Path repository, Path configDir, String passphrase, int retentionDays) {
    if (passphrase == null
        || passphrase.length() < 16
        || passphrase.contains("\n")
        || passphrase.contains("\r")) {
      throw new IllegalArgumentException(
          "the archive passphrase must be one line of at least 16 characters");
    }
    if (retentionDays < 1) {
      throw new IllegalArgumentException(
          "the archive retention must be at least 1 day, got " + retentionDays);
    }
    for (Path p : List.of(tool, repository, configDir)) {
      if (p.toAbsolutePath().toString().contains("'")) {
        // archive_command reaches the server through pg_ctl's shell, quoted with single quotes.
        throw new IllegalArgumentException("the archive's paths must not contain ': " + p);
      }
    }
    return new WalArchive(tool, repository, configDir, passphrase, retentionDays);
  }

  /**
   * The archive whose configuration an earlier {@link #configure} wrote to {@code configFile}: for
   * the processes that take base backups or read the archive's state.
   */
  public static WalArchive existing(Path tool, Path configFile) {
    return new WalArchive(tool, Path.of("."), configFile.toAbsolutePath().getParent(), null, 1);
  }

  /** The pgBackRest configuration file (owner-only; it holds the cipher passphrase). */
  public Path configFile() {
    return configFile;
  }

  /** The repository folder (encrypted WAL segments and base backups). */
  public Path repository() {
    return repository;
  }

  /**
   * Writes the pgBackRest configuration for a server on {@code dataDir} and {@code port} and turns
   * archiving on in {@code builder}. Call before {@link EmbeddedPostgres.Builder#start()}, then
   * {@link #createStanza} once the server runs.
   */
  public EmbeddedPostgres.Builder configure(
      EmbeddedPostgres.Builder builder, Path dataDir, int port) throws IOException {
    writeConfig(dataDir.toAbsolutePath(), port, "/tmp");
    return builder
        .setServerConfig("wal_level", "logical")
        .setServerConfig("archive_mode", "on")
        .setServerConfig(
            "archive_command",
            "'" + tool + " --config=" + configFile + " --stanza=" + STANZA + " archive-push %p'")
        .setServerConfig("archive_timeout", ARCHIVE_TIMEOUT.toSeconds() + "s");
  }

  /**
   * Points the configuration at the running server (its socket folder) and creates the stanza.
   * Idempotent: a second call on the same server finds the stanza valid and changes nothing.
   */
  public void createStanza(EmbeddedPostgres server, String superuserPassword)
      throws IOException, SQLException {
    String socketDir;
    Path dataDir;
    try (Connection c = server.getPostgresDatabase().getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT current_setting('unix_socket_directories'),"
                    + " current_setting('data_directory')")) {
      rs.next();
      socketDir = rs.getString(1).split(",")[0].strip();
      dataDir = Path.of(rs.getString(2));
    }
    writeConfig(dataDir, server.getPort(), socketDir);
    run(superuserPassword, "stanza-create");
  }

  /** Takes a base backup ({@code full} or {@code incr}), then expires what retention lets go. */
  public void backup(String type, String superuserPassword) throws IOException {
    if (!type.equals("full") && !type.equals("incr") && !type.equals("diff")) {
      throw new IllegalArgumentException("backup type must be full, diff or incr: " + type);
    }
    run(superuserPassword, "--type=" + type, "backup");
    run(superuserPassword, "expire");
  }

  /**
   * The earliest moment a restore can reach: the end of the oldest base backup retention kept
   * (recovery cannot stop inside a backup). Empty when there is no backup yet, so nothing can be
   * restored whatever WAL is archived.
   */
  public Optional<java.time.Instant> earliestRestorable() throws IOException {
    com.fasterxml.jackson.databind.JsonNode stanzas =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(infoJson());
    long oldest = Long.MAX_VALUE;
    for (com.fasterxml.jackson.databind.JsonNode stanza : stanzas) {
      for (com.fasterxml.jackson.databind.JsonNode backup : stanza.path("backup")) {
        long stop = backup.path("timestamp").path("stop").asLong(0);
        if (stop > 0 && !backup.path("error").asBoolean(false)) {
          oldest = Math.min(oldest, stop);
        }
      }
    }
    return oldest == Long.MAX_VALUE
        ? Optional.empty()
        : Optional.of(java.time.Instant.ofEpochSecond(oldest));
  }

  /**
   * Restores the archive as it was at {@code at} into {@code dataDir}, a new or empty folder: the
   * newest base backup that ended before {@code at}, recovering WAL up to {@code at} and then
   * promoting, with archiving off (the restored server must not push into this archive). Only
   * {@code database} and the system databases are restored ({@code --db-include}); when the base
   * backup predates {@code database}, the whole cluster is restored instead, as recovery then
   * creates it from the WAL. A second call starts again from an emptied folder.
   */
  public void restoreToTime(Path dataDir, java.time.Instant at, String database)
      throws IOException {
    String target =
        java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS")
                .withZone(java.time.ZoneOffset.UTC)
                .format(at)
            + "+00";
    List<String> args =
        new ArrayList<>(
            List.of(
                "--pg1-path=" + dataDir.toAbsolutePath(),
                "--type=time",
                "--target=" + target,
                "--target-action=promote",
                "--archive-mode=off"));
    emptyFolder(dataDir);
    try {
      List<String> one = new ArrayList<>(args);
      one.add("--db-include=" + database);
      one.add("restore");
      run(null, one.toArray(String[]::new));
    } catch (IOException e) {
      if (e.getMessage() == null || !e.getMessage().contains("does not exist")) {
        throw e;
      }
      emptyFolder(dataDir);
      args.add("restore");
      run(null, args.toArray(String[]::new));
    }
  }

  /** Deletes {@code dir} with everything in it, then makes it again, empty and owner-only. */
  static void emptyFolder(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (var walk = Files.walk(dir)) {
        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
    Files.createDirectories(dir.getParent());
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      Files.createDirectory(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } else {
      Files.createDirectory(dir);
    }
  }

  /** pgBackRest's {@code info} for the stanza as JSON (backups and the archived WAL range). */
  public String infoJson() throws IOException {
    return run(null, "--output=json", "info");
  }

  private void writeConfig(Path dataDir, int port, String socketDir) throws IOException {
    Files.createDirectories(configFile.getParent());
    Files.createDirectories(lockDir);
    Files.createDirectories(repository);
    String config =
        "[global]\n"
            + "repo1-path="
            + repository
            + "\n"
            + "repo1-cipher-type=aes-256-cbc\n"
            + "repo1-cipher-pass="
            + passphrase
            + "\n"
            + "repo1-retention-full-type=time\n"
            + "repo1-retention-full="
            + retentionDays
            + "\n"
            + "lock-path="
            + lockDir
            + "\n"
            + "log-level-console=warn\n"
            + "log-level-stderr=warn\n"
            + "log-level-file=off\n"
            + "start-fast=y\n"
            + "compress-type=lz4\n"
            + "\n["
            + STANZA
            + "]\n"
            + "pg1-path="
            + dataDir
            + "\n"
            + "pg1-port="
            + port
            + "\n"
            + "pg1-socket-path="
            + socketDir
            + "\n"
            + "pg1-user="
            + PasswordCheckedPostgres.SUPERUSER
            + "\n";
    Path tmp = configFile.resolveSibling("pgbackrest.conf.tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, ownerOnly());
    Files.writeString(tmp, config, StandardCharsets.UTF_8);
    Files.move(
        tmp,
        configFile,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private String run(String superuserPassword, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(tool.toString());
    command.add("--config=" + configFile);
    command.add("--stanza=" + STANZA);
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("PGBACKREST_") || k.startsWith("PG"));
    if (superuserPassword != null) {
      env.put("PGPASSWORD", superuserPassword);
    }
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    try {
      if (!p.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("pgbackrest " + args[args.length - 1] + " did not finish in time");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running pgbackrest", e);
    }
    String output = new String(out, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IOException(
          "pgbackrest "
              + args[args.length - 1]
              + " failed (exit "
              + p.exitValue()
              + "): "
              + output.strip().lines().reduce((a, b) -> b).orElse(""));
    }
    return output;
  }

  private static FileAttribute<?>[] ownerOnly() {
    if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      return new FileAttribute<?>[0];
    }
    return new FileAttribute<?>[] {
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
    };
  }
}
