package com.taskifai.routing.api;

import com.taskifai.tenantschema.VendorConfig;
import com.taskifai.tenantschema.imports.CsvRules;
import de.siegmar.fastcsv.reader.CsvParseException;
import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PushbackReader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.time.format.ResolverStyle;
import java.time.temporal.IsoFields;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A vendor's sell-out file read through its vendor config (by the platform's {@link CsvRules}, as
 * import bundles are): every data row becomes an entry, or the file is refused with the line number
 * and the reason of every bad row. Line numbers count every physical line of the file from 1,
 * header and preamble included, so they match an editor's; a record whose quoted field spans lines
 * is named by the line it starts on. The file is read as a stream by FastCSV (RFC 4180: quoted
 * fields may hold delimiters, doubled quotes and line breaks), never held whole in memory, with
 * bounded line and field lengths.
 */
final class SelloutFile {
  static final int MAX_ROWS = CsvRules.MAX_ROWS;
  static final int MAX_REPORTED_ERRORS = 200;
  private static final Pattern ISO_WEEK = Pattern.compile("^(\\d{4})-W(\\d{2})$");
  private static final Pattern COUNTRY = Pattern.compile("^[A-Z]{2}$");
  private static final Pattern EAN = Pattern.compile("^[0-9]{8,14}$");
  private static final Pattern NUMBER = Pattern.compile("^-?[0-9]+(\\.[0-9]+)?$");

  /** One good row. */
  record Entry(
      int line,
      String ean,
      String sku,
      String productName,
      LocalDate periodStart,
      LocalDate periodEnd,
      String periodLabel,
      BigDecimal quantity,
      BigDecimal revenue,
      String currency,
      String store,
      String channel,
      String country) {}

  /** One bad row: where and why. */
  record RowError(int line, String message) {}

  record Result(List<Entry> entries, List<RowError> errors, int errorCount) {}

  /**
   * Why a file cannot be read at all, as opposed to bad rows: the controller maps the kind to a
   * status (400, 413 or 422 naming the line).
   */
  static final class FileError extends RuntimeException {
    enum Kind {
      /** Not a file of this vendor (no header, missing columns, not UTF-8, too many rows): 400. */
      NOT_READABLE,
      /** More bytes than the upload limit: 413. */
      TOO_LARGE,
      /** A line that cannot be read as CSV (too long, stray quote): 422 naming the line. */
      BAD_LINE
    }

    private final Kind kind;
    private final transient RowError row;

    FileError(Kind kind, String message, RowError row) {
      super(message);
      this.kind = kind;
      this.row = row;
    }

    Kind kind() {
      return kind;
    }

    /** The line that cannot be read, for {@link Kind#BAD_LINE}. */
    RowError row() {
      return row;
    }

    static FileError notReadable(String message) {
      return new FileError(Kind.NOT_READABLE, message, null);
    }
  }

  /** The longest field and line (in characters) a sell-out file may have. */
  static final int MAX_FIELD_CHARS = CsvRules.MAX_FIELD_CHARS;

  static final int MAX_LINE_CHARS = CsvRules.MAX_LINE_CHARS;
  static final int MAX_COLUMNS = CsvRules.MAX_COLUMNS;
  private static final Pattern PARSER_LINE = Pattern.compile("line (\\d+)");

  private SelloutFile() {}

  /** Reads a whole file held in memory (tests and tools). */
  static Result parse(byte[] content, VendorConfig config, Set<String> currencies) {
    return parse(new ByteArrayInputStream(content), Long.MAX_VALUE, config, currencies);
  }

  /**
   * Reads the file as it streams in, in time linear in its size: at most {@code maxBytes} bytes
   * (more is {@link FileError.Kind#TOO_LARGE}), UTF-8 with or without a byte-order mark, RFC 4180
   * records (FastCSV) with the vendor's delimiter and quote. Only the good entries are kept.
   */
  static Result parse(
      InputStream content, long maxBytes, VendorConfig config, Set<String> currencies) {
    PushbackReader reader =
        new PushbackReader(
            new InputStreamReader(
                new LimitedInputStream(content, maxBytes),
                StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)),
            1);
    try {
      return read(reader, config, currencies);
    } catch (IOException e) {
      throw ioError(e);
    } catch (UncheckedIOException e) {
      throw ioError(e.getCause());
    }
  }

  private static FileError ioError(IOException e) {
    if (e instanceof LimitExceeded limit) {
      return new FileError(FileError.Kind.TOO_LARGE, limit.getMessage(), null);
    }
    if (e instanceof CharacterCodingException) {
      return FileError.notReadable("the file must be UTF-8 text");
    }
    return FileError.notReadable("the file cannot be read: " + e.getMessage());
  }

  private static Result read(PushbackReader in, VendorConfig config, Set<String> currencies)
      throws IOException {
    int first = in.read();
    if (first != -1 && first != '\uFEFF') {
      in.unread(first);
    }
    // The lines before the header (report titles, blank lines) are no CSV: skip them as lines.
    int headerIndex = config.headerLine();
    int skipped = 0;
    while (skipped < headerIndex) {
      int ch = in.read();
      if (ch == -1) {
        break;
      }
      if (ch == '\n') {
        skipped++;
      } else if (ch == '\r') {
        skipped++;
        int next = in.read();
        if (next != '\n' && next != -1) {
          in.unread(next);
        }
      }
    }
    String noHeader =
        "the file has no header line at line "
            + (headerIndex + 1)
            + " (vendor config "
            + config.vendorKey()
            + " expects "
            + headerIndex
            + " line(s) before it)";
    if (skipped < headerIndex) {
      throw FileError.notReadable(noHeader);
    }
    CsvReader<CsvRecord> csv = CsvRules.reader(in, config.delimiter(), config.quoteChar(), true);
    List<RowError> errors = new ArrayList<>();
    List<Entry> entries = new ArrayList<>();
    int errorCount = 0;
    long lastLine = headerIndex;
    try (csv) {
      Iterator<CsvRecord> records = csv.iterator();
      if (!records.hasNext()) {
        throw FileError.notReadable(noHeader);
      }
      CsvRecord headerRecord = records.next();
      lastLine = headerIndex + headerRecord.getStartingLineNumber();
      if (headerRecord.getStartingLineNumber() != 1 || blank(headerRecord)) {
        throw FileError.notReadable(noHeader);
      }
      List<String> header = headerRecord.getFields();
      Map<String, Integer> fieldIndex = new HashMap<>();
      List<String> missing = new ArrayList<>();
      for (Map.Entry<String, String> m : config.columnMapping().entrySet()) {
        int i = indexOf(header, m.getKey());
        if (i < 0) {
          missing.add(m.getKey());
        } else {
          fieldIndex.put(m.getValue(), i);
        }
      }
      if (!missing.isEmpty()) {
        throw FileError.notReadable(
            "line "
                + (headerIndex + 1)
                + ": the header lacks the column(s) "
                + missing
                + " that vendor config "
                + config.vendorKey()
                + " maps; is this the right vendor?");
      }
      while (records.hasNext()) {
        CsvRecord record = records.next();
        int lineNo = (int) (headerIndex + record.getStartingLineNumber());
        lastLine = lineNo;
        if (blank(record)) {
          continue;
        }
        if (entries.size() + errorCount >= MAX_ROWS) {
          throw FileError.notReadable("the file has more than " + MAX_ROWS + " rows; split it");
        }
        try {
          List<String> fields = record.getFields();
          if (fields.size() != header.size()) {
            throw new IllegalArgumentException(
                "expected " + header.size() + " columns, found " + fields.size());
          }
          entries.add(entry(lineNo, fields, fieldIndex, config, currencies));
        } catch (IllegalArgumentException | DateTimeException | ArithmeticException e) {
          errorCount++;
          if (errors.size() < MAX_REPORTED_ERRORS) {
            errors.add(new RowError(lineNo, e.getMessage()));
          }
        }
      }
    } catch (CsvParseException e) {
      throw badLine(e, headerIndex, lastLine);
    }
    return new Result(entries, errors, errorCount);
  }

  /** A record FastCSV cannot read: the line it started on, and why in the caller's words. */
  private static FileError badLine(CsvParseException e, int headerIndex, long lastLine) {
    if (e.getCause() instanceof UncheckedIOException io) {
      throw io;
    }
    long line = lastLine + 1;
    Matcher m = PARSER_LINE.matcher(String.valueOf(e.getMessage()));
    if (m.find()) {
      line = headerIndex + Long.parseLong(m.group(1));
    }
    String cause = e.getCause() == null ? "" : String.valueOf(e.getCause().getMessage());
    String why;
    if (cause.contains("max field size")
        || cause.contains("max record size")
        || cause.contains("buffer")) {
      why =
          "the line is too long: at most "
              + MAX_LINE_CHARS
              + " characters per line and "
              + MAX_FIELD_CHARS
              + " per field";
    } else if (cause.contains("max number of fields") || cause.contains("fields")) {
      why = "the line has more than " + MAX_COLUMNS + " columns";
    } else if (cause.contains("closing quote")) {
      why = "a quoted field must end with its quote (a quote inside one is written twice)";
    } else {
      why = "the line is not valid CSV";
    }
    RowError row = new RowError((int) Math.min(line, Integer.MAX_VALUE), why);
    return new FileError(
        FileError.Kind.BAD_LINE,
        "line " + row.line() + " cannot be read, so nothing was imported: " + why,
        row);
  }

  private static boolean blank(CsvRecord record) {
    return record.getFieldCount() == 1 && record.getField(0).isBlank();
  }

  private static Entry entry(
      int lineNo,
      List<String> f,
      Map<String, Integer> idx,
      VendorConfig config,
      Set<String> currencies) {
    List<String> problems = new ArrayList<>();
    String ean = optional(f, idx, "ean");
    if (ean != null && !EAN.matcher(ean).matches()) {
      problems.add("EAN '" + ean + "' must be 8 to 14 digits");
    }
    String sku = optional(f, idx, "sku");
    if (ean == null && sku == null) {
      problems.add("a product code (EAN or SKU) is required");
    }
    String periodText = optional(f, idx, "period");
    LocalDate start = null;
    LocalDate end = null;
    String label = null;
    if (periodText == null) {
      problems.add("the period is empty");
    } else {
      try {
        switch (config.periodFormat()) {
          case "dd.MM.yyyy", "yyyy-MM-dd" -> {
            start =
                LocalDate.parse(
                    periodText,
                    DateTimeFormatter.ofPattern(config.periodFormat().replace("yyyy", "uuuu"))
                        .withResolverStyle(ResolverStyle.STRICT));
            end = start;
            label = start.toString();
          }
          case "yyyy-MM" -> {
            YearMonth ym =
                YearMonth.parse(
                    periodText,
                    DateTimeFormatter.ofPattern("uuuu-MM").withResolverStyle(ResolverStyle.STRICT));
            start = ym.atDay(1);
            end = ym.atEndOfMonth();
            label = ym.toString();
          }
          case "YYYY-Www" -> {
            Matcher m = ISO_WEEK.matcher(periodText);
            if (!m.matches()) {
              throw new DateTimeException("not an ISO week");
            }
            int year = Integer.parseInt(m.group(1));
            int week = Integer.parseInt(m.group(2));
            LocalDate mid = LocalDate.of(year, 6, 1);
            long weeks = IsoFields.WEEK_OF_WEEK_BASED_YEAR.rangeRefinedBy(mid).getMaximum();
            if (week < 1 || week > weeks) {
              throw new DateTimeException("week out of range");
            }
            start =
                mid.with(IsoFields.WEEK_OF_WEEK_BASED_YEAR, week)
                    .with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            end = start.plusDays(6);
            label = String.format(Locale.ROOT, "%04d-W%02d", year, week);
          }
          default -> throw new DateTimeException("unknown period format");
        }
      } catch (DateTimeException e) {
        problems.add("period '" + periodText + "' is not a valid " + config.periodFormat());
      }
    }
    BigDecimal quantity = number(f, idx, "quantity", config, 3, problems);
    BigDecimal revenue = number(f, idx, "revenue", config, 2, problems);
    String currency = optional(f, idx, "currency");
    if (currency == null) {
      currency = config.defaultCurrency();
    }
    if (currency == null) {
      problems.add("the currency is empty and the vendor config has no default");
    } else if (!currencies.contains(currency.toUpperCase(Locale.ROOT))) {
      problems.add("currency '" + currency + "' is not an ISO 4217 currency");
    }
    String country = optional(f, idx, "country");
    if (country != null && !COUNTRY.matcher(country.toUpperCase(Locale.ROOT)).matches()) {
      problems.add("country '" + country + "' must be a two-letter ISO 3166 code");
    }
    String name = optional(f, idx, "product_name");
    String store = optional(f, idx, "store");
    String channel = optional(f, idx, "channel");
    for (String[] t :
        new String[][] {{"product name", name}, {"store", store}, {"channel", channel}}) {
      if (t[1] != null && t[1].length() > 255) {
        problems.add(t[0] + " is longer than 255 characters");
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    return new Entry(
        lineNo,
        ean,
        sku,
        name,
        start,
        end,
        label,
        quantity,
        revenue,
        currency.toUpperCase(Locale.ROOT),
        store,
        channel,
        country == null ? null : country.toUpperCase(Locale.ROOT));
  }

  private static BigDecimal number(
      List<String> f,
      Map<String, Integer> idx,
      String field,
      VendorConfig config,
      int maxScale,
      List<String> problems) {
    String raw = optional(f, idx, field);
    if (raw == null) {
      problems.add("the " + field + " is empty");
      return null;
    }
    String n = raw.replace(" ", "").replace("\u00a0", "");
    if (config.decimalSeparator() == ',') {
      n = n.replace(".", "").replace(',', '.');
    } else {
      n = n.replace(",", "");
    }
    if (!NUMBER.matcher(n).matches()) {
      problems.add("the " + field + " '" + raw + "' is not a number");
      return null;
    }
    BigDecimal v = new BigDecimal(n);
    if (v.scale() > maxScale) {
      problems.add("the " + field + " '" + raw + "' has more than " + maxScale + " decimals");
      return null;
    }
    if (v.abs().compareTo(new BigDecimal("1e11")) >= 0) {
      problems.add("the " + field + " '" + raw + "' is too large");
      return null;
    }
    return v;
  }

  private static String optional(List<String> f, Map<String, Integer> idx, String field) {
    Integer i = idx.get(field);
    if (i == null) {
      return null;
    }
    String v = f.get(i).strip();
    return v.isEmpty() ? null : v;
  }

  private static int indexOf(List<String> header, String column) {
    for (int i = 0; i < header.size(); i++) {
      if (header.get(i).strip().equalsIgnoreCase(column.strip())) {
        return i;
      }
    }
    return -1;
  }

  /** Counts the bytes read and refuses to read past the limit. */
  private static final class LimitedInputStream extends FilterInputStream {
    private final long limit;
    private long count;

    LimitedInputStream(InputStream in, long limit) {
      super(in);
      this.limit = limit;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count(n);
      }
      return n;
    }

    private void count(long n) throws LimitExceeded {
      count += n;
      if (count > limit) {
        throw new LimitExceeded(
            "the file is larger than the upload limit of "
                + limit
                + " bytes; split it into smaller files");
      }
    }
  }

  private static final class LimitExceeded extends IOException {
    LimitExceeded(String message) {
      super(message);
    }
  }
}
