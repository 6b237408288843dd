package com.taskifai.tenantschema.imports;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A plain-format dump (pg_dump's SQL text) cut into statements without psql, which would run a
 * {@code \!} shell command from the file on the worker host. The cutter knows quoted strings
 * ({@code '...'}, {@code E'...'}), quoted identifiers, dollar quotes, line and nested block
 * comments, and the data block after {@code COPY ... FROM stdin;} up to its {@code \.} line. A
 * backslash command is refused, but for pg_dump 17's restrict and unrestrict lines, which are
 * skipped. Statements that need more than a tenant owner's rights, or that reach outside the
 * database (a COPY other than from stdin), are refused before anything runs; whatever runs, runs as
 * the owner role in one transaction.
 */
public final class PlainDumpScript {

  /** One statement, the line it starts on, and the data of a COPY FROM stdin (else null). */
  public record Statement(String sql, int line, String copyData) {}

  /** Something the script may not contain: the line and why. */
  public record Refusal(int line, String reason) {}

  /** The statements and what was refused; nothing runs when {@code refused} is not empty. */
  public record Parsed(List<Statement> statements, List<Refusal> refused) {}

  private static final Pattern COPY_FROM_STDIN =
      Pattern.compile("(?is)^COPY\\s+[^;]*\\bFROM\\s+stdin\\b[^;]*$");

  /**
   * Statement starts no tenant's data needs; each either takes rights an owner does not have or
   * reaches beyond the database. The owner role stops them anyway; refusing them here says so with
   * a line number, before a database is made.
   */
  private static final List<String[]> REFUSED_STARTS =
      List.of(
          new String[] {"CREATE ROLE", "creates a role"},
          new String[] {"CREATE USER", "creates a role"},
          new String[] {"CREATE GROUP", "creates a role"},
          new String[] {"ALTER ROLE", "changes a role"},
          new String[] {"ALTER USER", "changes a role"},
          new String[] {"ALTER GROUP", "changes a role"},
          new String[] {"DROP ROLE", "drops a role"},
          new String[] {"DROP USER", "drops a role"},
          new String[] {"ALTER SYSTEM", "changes the server's configuration"},
          new String[] {"ALTER DATABASE", "changes a database"},
          new String[] {"CREATE DATABASE", "creates a database"},
          new String[] {"DROP DATABASE", "drops a database"},
          new String[] {"CREATE TABLESPACE", "creates a tablespace"},
          new String[] {"CREATE EVENT TRIGGER", "creates an event trigger"},
          new String[] {"CREATE SUBSCRIPTION", "creates a subscription"},
          new String[] {"CREATE PUBLICATION", "creates a publication"},
          new String[] {"LOAD", "loads a server library"},
          new String[] {"SET ROLE", "changes the role the import runs as"},
          new String[] {"SET SESSION AUTHORIZATION", "changes the role the import runs as"},
          new String[] {"RESET ROLE", "changes the role the import runs as"},
          new String[] {"RESET SESSION AUTHORIZATION", "changes the role the import runs as"});

  private PlainDumpScript() {}

  /** Cuts {@code text} into statements and refuses what an import may not run. */
  public static Parsed parse(String text) {
    List<Statement> out = new ArrayList<>();
    List<Refusal> refused = new ArrayList<>();
    int n = text.length();
    int i = 0;
    int line = 1;
    while (i < n) {
      // Between statements: whitespace, comments and backslash lines.
      char c = text.charAt(i);
      if (c == '\n') {
        line++;
        i++;
        continue;
      }
      if (Character.isWhitespace(c)) {
        i++;
        continue;
      }
      if (c == '-' && i + 1 < n && text.charAt(i + 1) == '-') {
        i = endOfLine(text, i);
        continue;
      }
      if (c == '\\') {
        int eol = endOfLine(text, i);
        String command = text.substring(i, eol).strip();
        String word = command.split("\\s+", 2)[0];
        if (!word.equals("\\restrict") && !word.equals("\\unrestrict")) {
          refused.add(
              new Refusal(
                  line,
                  "backslash command "
                      + word
                      + " is not SQL; an import runs SQL statements only (dump with pg_dump,"
                      + " or use the custom format)"));
        }
        i = eol;
        continue;
      }
      // A statement: up to a semicolon outside quotes, comments and dollar quotes.
      int start = i;
      int startLine = line;
      StringBuilder sql = new StringBuilder();
      boolean ended = false;
      int depth = 0; // block comment nesting
      while (i < n) {
        c = text.charAt(i);
        if (c == '\n') {
          line++;
        }
        if (c == '-' && i + 1 < n && text.charAt(i + 1) == '-') {
          int eol = endOfLine(text, i);
          sql.append(' ');
          i = eol;
          continue;
        }
        if (c == '/' && i + 1 < n && text.charAt(i + 1) == '*') {
          depth = 1;
          i += 2;
          while (i < n && depth > 0) {
            char d = text.charAt(i);
            if (d == '\n') {
              line++;
            }
            if (d == '/' && i + 1 < n && text.charAt(i + 1) == '*') {
              depth++;
              i += 2;
            } else if (d == '*' && i + 1 < n && text.charAt(i + 1) == '/') {
              depth--;
              i += 2;
            } else {
              i++;
            }
          }
          sql.append(' ');
          continue;
        }
        if (c == '\'' || c == '"') {
          boolean escapes =
              c == '\''
                  && i > start
                  && (text.charAt(i - 1) == 'E' || text.charAt(i - 1) == 'e')
                  && (i - 1 == start || !isIdentifierPart(text.charAt(i - 2)));
          int j = i + 1;
          while (j < n) {
            char d = text.charAt(j);
            if (d == '\n') {
              line++;
            }
            if (escapes && d == '\\' && j + 1 < n) {
              if (text.charAt(j + 1) == '\n') {
                line++;
              }
              j += 2;
              continue;
            }
            if (d == c) {
              if (j + 1 < n && text.charAt(j + 1) == c) {
                j += 2;
                continue;
              }
              break;
            }
            j++;
          }
          int end = Math.min(n, j + 1);
          sql.append(text, i, end);
          i = end;
          continue;
        }
        if (c == '$' && (i == start || !isIdentifierPart(text.charAt(i - 1)))) {
          int j = i + 1;
          while (j < n && isTagPart(text.charAt(j))) {
            j++;
          }
          if (j < n
              && text.charAt(j) == '$'
              && (j == i + 1 || !Character.isDigit(text.charAt(i + 1)))) {
            String tag = text.substring(i, j + 1);
            int close = text.indexOf(tag, j + 1);
            int end = close < 0 ? n : close + tag.length();
            line += count(text, i, end, '\n');
            sql.append(text, i, end);
            i = end;
            continue;
          }
        }
        if (c == ';') {
          i++;
          ended = true;
          break;
        }
        sql.append(c);
        i++;
      }
      String statement = sql.toString().strip();
      if (!ended) {
        refused.add(new Refusal(startLine, "the last statement does not end with a semicolon"));
        break;
      }
      if (statement.isEmpty()) {
        continue;
      }
      if (neutralised(statement)) {
        continue;
      }
      String refusal = refusalOf(statement);
      if (refusal != null) {
        refused.add(new Refusal(startLine, refusal));
      }
      String data = null;
      if (COPY_FROM_STDIN.matcher(statement).matches()) {
        // The data block: from the next line up to a line that is exactly \.
        int eol = endOfLine(text, i);
        int from = eol < n ? eol + 1 : n;
        if (eol < n) {
          line++;
        }
        int at = from;
        int terminator = -1;
        while (at < n) {
          int next = endOfLine(text, at);
          String row = text.substring(at, next);
          if (row.equals("\\.") || row.equals("\\.\r")) {
            terminator = at;
            i = next < n ? next + 1 : n;
            line++;
            break;
          }
          line++;
          at = next < n ? next + 1 : n;
        }
        if (terminator < 0) {
          refused.add(new Refusal(startLine, "COPY data does not end with a \\. line"));
          break;
        }
        data = text.substring(from, terminator);
      }
      out.add(new Statement(statement, startLine, data));
    }
    return new Parsed(out, refused);
  }

  /**
   * True for what pg_restore's {@code --no-owner --no-privileges} leaves out: the source's owners
   * and grants. The objects belong to the owner role that runs the import; the platform grants the
   * app role afresh.
   */
  public static boolean neutralised(String statement) {
    String upper = statement.replaceAll("\\s+", " ").toUpperCase(Locale.ROOT);
    return upper.startsWith("GRANT ")
        || upper.startsWith("REVOKE ")
        || upper.startsWith("ALTER DEFAULT PRIVILEGES ")
        || (upper.startsWith("ALTER ") && upper.matches("^ALTER .* OWNER TO [^ ]+$"));
  }

  /** Why the statement is refused, or null. */
  public static String refusalOf(String statement) {
    String upper = statement.replaceAll("\\s+", " ").toUpperCase(Locale.ROOT);
    for (String[] r : REFUSED_STARTS) {
      if (upper.startsWith(r[0] + " ") || upper.equals(r[0])) {
        return r[0] + " " + r[1] + "; an import may not";
      }
    }
    if (upper.startsWith("COPY ") && !COPY_FROM_STDIN.matcher(statement).matches()) {
      return "COPY other than FROM stdin reads or writes outside the database (a file or a"
          + " program); an import may not";
    }
    if (upper.contains(" SECURITY DEFINER")) {
      return "a SECURITY DEFINER function runs with its owner's rights; an import may not create"
          + " one";
    }
    return null;
  }

  private static int endOfLine(String text, int from) {
    int eol = text.indexOf('\n', from);
    return eol < 0 ? text.length() : eol;
  }

  private static int count(String text, int from, int to, char c) {
    int k = 0;
    for (int i = from; i < to; i++) {
      if (text.charAt(i) == c) {
        k++;
      }
    }
    return k;
  }

  private static boolean isIdentifierPart(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '$';
  }

  private static boolean isTagPart(char c) {
    return Character.isLetterOrDigit(c) || c == '_';
  }
}
