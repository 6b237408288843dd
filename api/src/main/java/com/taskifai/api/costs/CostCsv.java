package com.taskifai.api.costs;

import java.util.List;

/**
 * The cost report as CSV (RFC 4180): a header line, one line per tenant, CRLF line ends. A field
 * holding a comma, a quote or a line break is quoted, its quotes doubled; a text field that a
 * spreadsheet would run as a formula (starting with {@code = + - @}, a tab or a carriage return)
 * gets a leading apostrophe.
 */
final class CostCsv {
  static final List<String> HEADER =
      List.of(
          "month",
          "tenant_id",
          "subdomain",
          "company_name",
          "status",
          "database_bytes",
          "database_bytes_average",
          "database_growth_bytes",
          "requests",
          "connection_seconds",
          "upload_rows",
          "upload_bytes",
          "backup_bytes",
          "estimate_storage",
          "estimate_backups",
          "estimate_database",
          "estimate_requests",
          "estimate_total",
          "currency");

  private CostCsv() {}

  static String of(CostReport.Report r) {
    StringBuilder out = new StringBuilder();
    line(out, HEADER);
    for (CostReport.Line l : r.tenants()) {
      line(
          out,
          List.of(
              r.month(),
              l.tenantId().toString(),
              text(l.subdomain()),
              text(l.companyName()),
              l.status(),
              Long.toString(l.databaseBytes()),
              Long.toString(l.databaseBytesAverage()),
              Long.toString(l.databaseGrowthBytes()),
              Long.toString(l.requests()),
              Double.toString(l.connectionSeconds()),
              Long.toString(l.uploadRows()),
              Long.toString(l.uploadBytes()),
              Long.toString(l.backupBytes()),
              l.estimate().storage().toPlainString(),
              l.estimate().backups().toPlainString(),
              l.estimate().database().toPlainString(),
              l.estimate().requests().toPlainString(),
              l.estimate().total().toPlainString(),
              r.currency()));
    }
    return out.toString();
  }

  private static void line(StringBuilder out, List<String> fields) {
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      out.append(escape(fields.get(i)));
    }
    out.append("\r\n");
  }

  /** Quotes a field when it needs it. */
  static String escape(String field) {
    if (field == null) {
      return "";
    }
    if (field.indexOf(',') < 0
        && field.indexOf('"') < 0
        && field.indexOf('\n') < 0
        && field.indexOf('\r') < 0) {
      return field;
    }
    return '"' + field.replace("\"", "\"\"") + '"';
  }

  /** A text field a spreadsheet must not take for a formula. */
  static String text(String value) {
    if (value == null || value.isEmpty()) {
      return value;
    }
    char c = value.charAt(0);
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r'
        ? "'" + value
        : value;
  }
}
