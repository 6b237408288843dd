package com.taskifai.registry;

import com.taskifai.registry.crypto.CredentialCipher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Can {@code pg_dump} read every database server? It must be the server's major version or newer.
 * The worker runs this at start and the admin API's health shows it, so a mismatch is seen at once
 * (backups disabled, with what to install), not as a failing backup at night.
 */
public final class BackupClientCheck {
  private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)(?:\\.(\\d+))?");

  private BackupClientCheck() {}

  /** The outcome: whether backups can run, the versions seen, and a sentence for people. */
  public record Result(
      boolean enabled, Integer clientMajor, Map<String, Integer> serverMajors, String detail) {}

  /** The pg_dump program in {@code binDir} (null: the one on {@code PATH}). */
  public static String pgDump(String binDir) {
    if (binDir != null && !binDir.isBlank()) {
      return Path.of(binDir, "pg_dump").toString();
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path p = Path.of(dir, "pg_dump");
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    return "pg_dump";
  }

  /**
   * The major version of a pg_dump program.
   *
   * @throws IllegalStateException when it cannot be run, saying what to install
   */
  public static int clientMajor(String program) {
    String out;
    try {
      Process p = new ProcessBuilder(program, "--version").redirectErrorStream(true).start();
      out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("pg_dump --version failed: " + out);
      }
    } catch (IOException e) {
      throw new IllegalStateException(
          "pg_dump is not installed (install postgresql-client, or set TASKIFAI_PG_BIN)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking pg_dump for its version");
    }
    return majorOf(out);
  }

  /** The major version in a {@code pg_dump --version} line. */
  public static int majorOf(String versionLine) {
    Matcher m = VERSION.matcher(versionLine);
    if (!m.find()) {
      throw new IllegalStateException("cannot read the pg_dump version from: " + versionLine);
    }
    return Integer.parseInt(m.group(1));
  }

  /**
   * The sentence for a pg_dump older than a server: what cannot be done and what to install or set.
   * Debian's {@code postgresql-client-NN} packages (from PGDG where Debian has none) install the
   * client of major NN under {@code /usr/lib/postgresql/NN/bin}.
   */
  public static String tooOld(int clientMajor, int serverMajor, String serverId) {
    return "pg_dump "
        + clientMajor
        + " cannot dump a PostgreSQL "
        + serverMajor
        + " server ("
        + serverId
        + "): install postgresql-client-"
        + serverMajor
        + " or newer, or set TASKIFAI_PG_BIN to the bin folder of a PostgreSQL "
        + serverMajor
        + " client (such as /usr/lib/postgresql/"
        + serverMajor
        + "/bin)";
  }

  /** Checks pg_dump against every registered database server. */
  public static Result check(String program, DatabaseServers servers, CredentialCipher cipher) {
    int client;
    try {
      client = clientMajor(program);
    } catch (IllegalStateException e) {
      return new Result(false, null, Map.of(), "backups disabled: " + e.getMessage());
    }
    Map<String, Integer> majors = new TreeMap<>();
    StringBuilder problems = new StringBuilder();
    for (DatabaseServers.Server s : servers.all()) {
      try {
        int major = serverMajor(s, cipher);
        majors.put(s.id(), major);
        if (major > client) {
          problems.append(problems.isEmpty() ? "" : "; ").append(tooOld(client, major, s.id()));
        }
      } catch (SQLException | RuntimeException e) {
        majors.put(s.id(), null);
      }
    }
    if (!problems.isEmpty()) {
      return new Result(false, client, majors, "backups disabled: " + problems);
    }
    return new Result(true, client, majors, "pg_dump " + client + " can read every server");
  }

  private static int serverMajor(DatabaseServers.Server s, CredentialCipher cipher)
      throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", s.adminUsername());
    String password = s.adminPassword(cipher);
    if (password != null && !password.isEmpty()) {
      props.setProperty("password", password);
    }
    props.setProperty("connectTimeout", "5");
    try (Connection c = DriverManager.getConnection(s.jdbcUrl(), props);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SHOW server_version_num")) {
      rs.next();
      return Integer.parseInt(rs.getString(1)) / 10000;
    }
  }
}
