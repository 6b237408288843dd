package com.taskifai.activities.database;

import com.taskifai.activities.StepFailure;
import com.taskifai.activities.backup.PgClient;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.tenantschema.imports.CsvBundle;
import com.taskifai.tenantschema.imports.ImportInputs;
import com.taskifai.tenantschema.imports.PlainDumpScript;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.ports.ImportActivities.LoadResult;
import com.taskifai.workflows.ports.ImportActivities.ReportItem;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Loading an import's input into its new database, always logged in as the tenant's owner role
 * ({@link OwnerLogin}) and never as the server's admin, in one transaction that a refusal rolls
 * back: a custom dump through {@code pg_restore} with the restore's options (no owners, no grants,
 * stop at the first error), a plain dump statement by statement over JDBC ({@link PlainDumpScript};
 * psql never sees it), a CSV bundle through {@code COPY ... FROM STDIN}, and a live source through
 * {@code pg_dump} (one read-only snapshot) piped into {@code pg_restore}.
 */
final class ImportLoads {
  private static final Pattern COPY_TABLE =
      Pattern.compile("(?i)^COPY\\s+(?:\"?public\"?\\.)?\"?([A-Za-z0-9_]+)\"?");

  private final PgPipes pipes;

  ImportLoads(PgPipes pipes) {
    this.pipes = pipes;
  }

  LoadResult custom(
      ServerAdmin admin,
      String ownerRole,
      String database,
      String file,
      byte[] dump,
      Map<String, Long> expected) {
    try (OwnerLogin owner = OwnerLogin.open(admin, ownerRole, "load_input");
        PgClient.Started restore = pipes.restore(admin, owner, database)) {
      try (OutputStream stdin = restore.process().getOutputStream()) {
        PgPipes.feed(PgPipes.heartbeating(new ByteArrayInputStream(dump)), stdin);
      } catch (IOException stoppedReading) {
        // pg_restore stopped at an error: its exit status and errors tell which
      }
      int exit = PgPipes.waitFor(restore.process());
      if (exit != 0) {
        return new LoadResult(restoreReport(file, restore.errors()), null);
      }
      return new LoadResult(List.of(), expected);
    } catch (IOException e) {
      throw StepFailure.of(FailureType.UNAVAILABLE, "pg_restore failed: " + e.getMessage());
    }
  }

  /**
   * A custom dump from a file: {@code pg_restore} with the restore's options reads the file itself
   * (it can seek in it, where a pipe makes it read every byte in order), logged in as the owner.
   */
  LoadResult customFile(
      ServerAdmin admin, String ownerRole, String database, String file, Path dump) {
    List<String> args = new ArrayList<>(PgClient.RESTORE_OPTIONS);
    args.add(dump.toString());
    try (OwnerLogin owner = OwnerLogin.open(admin, ownerRole, "load_input");
        PgClient.Started restore =
            pipes
                .client()
                .start(
                    "pg_restore",
                    admin.jdbcUrl(),
                    owner.role(),
                    owner.password(),
                    database,
                    args)) {
      restore.process().getOutputStream().close();
      int exit = PgPipes.waitFor(restore.process());
      if (exit != 0) {
        return new LoadResult(restoreReport(file, restore.errors()), null);
      }
      return new LoadResult(List.of(), null);
    } catch (IOException e) {
      throw StepFailure.of(FailureType.UNAVAILABLE, "pg_restore failed: " + e.getMessage());
    }
  }

  LoadResult live(ServerAdmin admin, String ownerRole, String database, LiveSource source) {
    if (!source.report().isEmpty()) {
      return new LoadResult(source.report(), null);
    }
    try (OwnerLogin owner = OwnerLogin.open(admin, ownerRole, "load_input");
        PgClient.Started dump =
            pipes
                .client()
                .start(
                    "pg_dump",
                    source.jdbcUrl(),
                    source.user(),
                    source.password(),
                    source.database(),
                    List.of("--format=custom", "--compress=0", "--no-owner", "--no-privileges"));
        PgClient.Started restore = pipes.restore(admin, owner, database)) {
      try (InputStream from = PgPipes.heartbeating(dump.stdout());
          OutputStream to = restore.process().getOutputStream()) {
        from.transferTo(to);
      } catch (IOException broken) {
        // one side stopped: the exit statuses say which
      }
      int dumpExit = PgPipes.waitFor(dump.process());
      int restoreExit = PgPipes.waitFor(restore.process());
      if (dumpExit != 0) {
        return new LoadResult(
            List.of(
                new ReportItem(
                    "source_url",
                    null,
                    null,
                    "pg_dump of the source failed: " + lastErrorLine(dump.errors()))),
            null);
      }
      if (restoreExit != 0) {
        return new LoadResult(restoreReport("source_url", restore.errors()), null);
      }
      return new LoadResult(List.of(), null);
    } catch (IOException e) {
      throw StepFailure.of(
          FailureType.UNAVAILABLE, "pg_dump of the source failed: " + e.getMessage());
    }
  }

  LoadResult plain(
      ServerAdmin admin, String ownerRole, String database, String file, byte[] content) {
    String text;
    try {
      text = ImportInputs.utf8(content);
    } catch (java.nio.charset.CharacterCodingException e) {
      return new LoadResult(
          ImportActivitiesImpl.reportOf(ImportInputs.check("plain", file, content)), null);
    }
    PlainDumpScript.Parsed parsed = PlainDumpScript.parse(text);
    if (!parsed.refused().isEmpty()) {
      List<ReportItem> report = new ArrayList<>();
      for (PlainDumpScript.Refusal r : parsed.refused()) {
        report.add(new ReportItem(file, r.line(), null, r.reason()));
      }
      return new LoadResult(report, null);
    }
    Map<String, Long> copied = new TreeMap<>();
    try (OwnerLogin owner = OwnerLogin.open(admin, ownerRole, "load_input");
        Connection c = ownerConnection(admin, owner, database)) {
      c.setAutoCommit(false);
      CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
      for (PlainDumpScript.Statement s : parsed.statements()) {
        try (Statement st = c.createStatement()) {
          if (s.copyData() != null) {
            long rows = copy.copyIn(s.sql(), new StringReader(s.copyData()));
            Matcher m = COPY_TABLE.matcher(s.sql());
            if (m.find()) {
              copied.merge(m.group(1).toLowerCase(Locale.ROOT), rows, Long::sum);
            }
          } else {
            st.execute(s.sql());
          }
        } catch (SQLException | IOException e) {
          rollback(c);
          return new LoadResult(
              List.of(new ReportItem(file, s.line(), null, serverMessage(e))), null);
        }
      }
      c.commit();
      return new LoadResult(List.of(), copied);
    } catch (SQLException e) {
      throw StepFailure.of(
          FailureType.UNAVAILABLE, "load_input: cannot log in as the owner: " + e.getSQLState());
    }
  }

  /**
   * A CSV bundle: the new database gets the tenant schema (as the owner role), then each file goes
   * in through {@code COPY ... FROM STDIN (FORMAT csv, HEADER true)} with the header's columns, as
   * the owner, in one transaction. A row the schema refuses is reported with its file and line.
   */
  LoadResult csv(
      ServerAdmin admin,
      String ownerRole,
      String database,
      CsvBundle bundle,
      List<String> migrationLocations) {
    if (!bundle.report().isEmpty()) {
      return new LoadResult(ImportActivitiesImpl.reportOf(bundle.report()), null);
    }
    TenantSchema.migrate(admin.database(database), ownerRole, migrationLocations, null);
    admin.release(database);
    Map<String, Long> rows = new TreeMap<>();
    try (OwnerLogin owner = OwnerLogin.open(admin, ownerRole, "load_input");
        Connection c = ownerConnection(admin, owner, database)) {
      c.setAutoCommit(false);
      CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
      for (CsvBundle.Table t : bundle.tables()) {
        String sql =
            "COPY public."
                + t.table()
                + " ("
                + String.join(", ", t.columns())
                + ") FROM STDIN WITH (FORMAT csv, HEADER true)";
        try {
          rows.merge(t.table(), copy.copyIn(sql, new StringReader(t.text())), Long::sum);
        } catch (SQLException | IOException e) {
          rollback(c);
          return new LoadResult(
              List.of(new ReportItem(t.file(), copyLine(e), null, serverMessage(e))), null);
        }
      }
      c.commit();
      return new LoadResult(List.of(), rows);
    } catch (SQLException e) {
      throw StepFailure.of(
          FailureType.UNAVAILABLE, "load_input: cannot log in as the owner: " + e.getSQLState());
    }
  }

  /** The file's line of a failed COPY (its CONTEXT says "COPY t, line N"), header included. */
  private static Integer copyLine(Exception e) {
    if (e instanceof org.postgresql.util.PSQLException p
        && p.getServerErrorMessage() != null
        && p.getServerErrorMessage().getWhere() != null) {
      Matcher m = Pattern.compile("line (\\d+)").matcher(p.getServerErrorMessage().getWhere());
      if (m.find()) {
        return Integer.valueOf(m.group(1));
      }
    }
    return null;
  }

  static Connection ownerConnection(ServerAdmin admin, OwnerLogin owner, String database)
      throws SQLException {
    return DriverManager.getConnection(
        TenantDatabaseNames.jdbcUrl(admin.jdbcUrl(), database), owner.role(), owner.password());
  }

  private static void rollback(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // the connection closes next, which rolls back as well
    }
  }

  /** The server's message without its detail (which may quote a row of the customer's data). */
  private static String serverMessage(Exception e) {
    if (e instanceof org.postgresql.util.PSQLException p && p.getServerErrorMessage() != null) {
      return p.getServerErrorMessage().getMessage();
    }
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    return m.split("\n", 2)[0];
  }

  /** pg_restore's error lines (without the statement or row it quotes) as a report. */
  static List<ReportItem> restoreReport(String file, String errors) {
    List<ReportItem> report = new ArrayList<>();
    Pattern entry = Pattern.compile("from TOC entry \\d+; \\d+ \\d+ (.+)$");
    String object = null;
    for (String line : errors.split("\n")) {
      Matcher m = entry.matcher(line);
      if (m.find()) {
        object = m.group(1).strip();
        continue;
      }
      int at = line.indexOf("error: ");
      if (at >= 0 && !line.contains("errors ignored on restore")) {
        String reason = line.substring(at + "error: ".length()).strip();
        if (reason.startsWith("could not execute query: ")) {
          reason = reason.substring("could not execute query: ".length());
        }
        if (!reason.startsWith("from TOC entry")) {
          report.add(new ReportItem(file, null, object, reason));
        }
      }
    }
    if (report.isEmpty()) {
      report.add(new ReportItem(file, null, object, "pg_restore failed: " + lastErrorLine(errors)));
    }
    return report;
  }

  private static String lastErrorLine(String errors) {
    String[] lines = errors.strip().split("\n");
    String last = lines[lines.length - 1];
    return last.length() > 300 ? last.substring(0, 300) : last;
  }
}
