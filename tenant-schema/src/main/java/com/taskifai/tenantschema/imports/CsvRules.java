package com.taskifai.tenantschema.imports;

import de.siegmar.fastcsv.reader.CommentStrategy;
import de.siegmar.fastcsv.reader.CsvParseException;
import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;
import de.siegmar.fastcsv.reader.CsvRecordHandler;
import java.io.Reader;

/**
 * The rules every CSV file the platform takes in is read by, sell-out uploads and import bundles
 * alike: RFC 4180 records (FastCSV: quoted fields may hold delimiters, doubled quotes and line
 * breaks), no comments, empty lines skipped, and bounded rows, lines, fields and columns.
 */
public final class CsvRules {
  /** The most data rows one file may have. */
  public static final int MAX_ROWS = 100_000;

  /** The longest field (in characters). */
  public static final int MAX_FIELD_CHARS = 10_000;

  /** The longest line (in characters). */
  public static final int MAX_LINE_CHARS = 65_536;

  /** The most columns a line may have. */
  public static final int MAX_COLUMNS = 512;

  private CsvRules() {}

  /**
   * A reader of {@code in} by these rules; {@code lenientFieldCount} lets records have more or
   * fewer fields than the first (a sell-out file's vendor config names the columns it reads).
   */
  public static CsvReader<CsvRecord> reader(
      Reader in, char delimiter, char quote, boolean lenientFieldCount) {
    return CsvReader.builder()
        .fieldSeparator(delimiter)
        .quoteCharacter(quote)
        .commentStrategy(CommentStrategy.NONE)
        .skipEmptyLines(true)
        .allowExtraFields(lenientFieldCount)
        .allowMissingFields(lenientFieldCount)
        .maxBufferSize(2 * MAX_LINE_CHARS)
        .build(
            CsvRecordHandler.of(
                b ->
                    b.maxFieldSize(MAX_FIELD_CHARS)
                        .maxRecordSize(MAX_LINE_CHARS)
                        .maxFields(MAX_COLUMNS)),
            in);
  }

  /** Why a line could not be read, in words that say what to fix. */
  public static String why(CsvParseException e) {
    String cause = e.getCause() == null ? "" : String.valueOf(e.getCause().getMessage());
    String message = String.valueOf(e.getMessage());
    if (cause.contains("max field size")
        || cause.contains("max record size")
        || cause.contains("buffer")) {
      return "the line is too long: at most "
          + MAX_LINE_CHARS
          + " characters per line and "
          + MAX_FIELD_CHARS
          + " per field";
    }
    if (cause.contains("max number of fields")) {
      return "the line has more than " + MAX_COLUMNS + " columns";
    }
    if (cause.contains("fields") || message.contains("fields")) {
      return "the line has another number of fields than the header";
    }
    if (cause.contains("closing quote") || message.contains("closing quote")) {
      return "a quoted field must end with its quote (a quote inside one is written twice)";
    }
    return "the line is not valid CSV";
  }
}
