package com.taskifai.activities.backup;

import com.taskifai.registry.BackupClientCheck;
import com.taskifai.registry.DatabaseTls;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PostgreSQL client programs {@code pg_dump} and {@code pg_restore}: where they are, which
 * major version they are, and how to start them for a server. The password goes to the child
 * process in its {@code PGPASSWORD} environment only, never in its arguments (visible in {@code
 * ps}) or in a log line. The server URL's TLS settings go with it ({@link DatabaseTls}).
 */
public final class PgClient {
  private static final Pattern URL =
      Pattern.compile("^jdbc:postgresql://([^/:?]+|\\[[^]]+\\])(?::(\\d+))?(?:/[^?]*)?(\\?.*)?$");

  /**
   * The options every restore into a tenant database runs {@code pg_restore} with: one transaction
   * that stops at the first error, and nothing of the archive's ownership, grants, tablespaces,
   * security labels, publications or subscriptions. The objects belong to the role that logs in
   * (the tenant's owner, see {@code OwnerLogin}); the platform grants the app role its rights
   * afresh afterwards.
   */
  public static final List<String> RESTORE_OPTIONS =
      List.of(
          "--exit-on-error",
          "--single-transaction",
          "--no-owner",
          "--no-privileges",
          "--no-tablespaces",
          "--no-security-labels",
          "--no-publications",
          "--no-subscriptions");

  private final Path binDir;

  /**
   * @param binDir folder holding pg_dump and pg_restore; null to search {@code PATH}
   */
  public PgClient(Path binDir) {
    this.binDir = binDir;
  }

  /** The path of a client program ({@code pg_dump}, {@code pg_restore}). */
  public String program(String name) {
    if (binDir != null) {
      return binDir.resolve(name).toString();
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    return name;
  }

  /**
   * The major version of {@code pg_dump}.
   *
   * @throws IllegalStateException when it cannot be run, with a message saying what to install
   */
  public int dumpMajorVersion() {
    return BackupClientCheck.clientMajor(program("pg_dump"));
  }

  /** The major version in a {@code pg_dump --version} line. */
  static int majorOf(String versionLine) {
    return BackupClientCheck.majorOf(versionLine);
  }

  /** Host, port and extra connection settings of a server's JDBC URL. */
  record Target(String host, int port) {}

  static Target target(String jdbcUrl) {
    Matcher m = URL.matcher(jdbcUrl);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "database server URL must look like jdbc:postgresql://host:port/database");
    }
    String host = m.group(1);
    if (host.startsWith("[")) {
      host = host.substring(1, host.length() - 1);
    }
    return new Target(host, m.group(2) == null ? 5432 : Integer.parseInt(m.group(2)));
  }

  /**
   * Starts {@code program} against {@code database} on the server of {@code jdbcUrl} as {@code
   * user}; {@code args} go between the connection options and nothing else. Standard error is
   * collected to a temporary file the caller reads with {@link Started#errors()}.
   */
  public Started start(
      String program,
      String jdbcUrl,
      String user,
      String password,
      String database,
      List<String> args)
      throws IOException {
    Target t = target(jdbcUrl);
    List<String> command = new ArrayList<>();
    command.add(program(program));
    command.add("--host=" + t.host());
    command.add("--port=" + t.port());
    command.add("--username=" + user);
    command.add("--no-password");
    command.add("--dbname=" + database);
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command);
    Map<String, String> env = pb.environment();
    // The child needs no platform secret: the key ring and cloud credentials stay in this process.
    env.keySet().removeIf(key -> key.startsWith("TASKIFAI_") || key.startsWith("AWS_"));
    env.remove("PGPASSWORD");
    env.remove("PGPASSFILE");
    // The server's TLS settings are those of its URL, as for the JDBC connections to it.
    env.remove("PGSSLROOTCERT");
    env.putAll(DatabaseTls.clientEnvironment(jdbcUrl));
    if (password != null && !password.isEmpty()) {
      env.put("PGPASSWORD", password);
    }
    env.put("PGAPPNAME", "taskifai-backup");
    env.put("PGCONNECT_TIMEOUT", "10");
    Path errors = Files.createTempFile("taskifai-" + program, ".err");
    pb.redirectError(errors.toFile());
    return new Started(pb.start(), errors);
  }

  /** A running client program and its collected standard error. */
  public record Started(Process process, Path errorFile) implements AutoCloseable {
    public InputStream stdout() {
      return process.getInputStream();
    }

    /** The last lines of standard error (client programs print no password there). */
    public String errors() {
      try {
        String all = Files.readString(errorFile, StandardCharsets.UTF_8).strip();
        return all.length() > 2000 ? all.substring(all.length() - 2000) : all;
      } catch (IOException e) {
        return "(no error output)";
      }
    }

    @Override
    public void close() {
      if (process.isAlive()) {
        process.destroyForcibly();
      }
      try {
        Files.deleteIfExists(errorFile);
      } catch (IOException ignored) {
        // a temporary file
      }
    }
  }
}
