package com.taskifai.tenantschema.imports;

import de.siegmar.fastcsv.reader.CsvParseException;
import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A bundle of CSV files, one per table ({@code users.csv}, {@code products.csv}, {@code
 * vendor_configs.csv}, {@code upload_batches.csv}, {@code orders.csv}, {@code sellout_entries.csv};
 * a {@code tables/} folder as in an export archive is fine), read by {@link CsvRules}: UTF-8, a
 * header naming the table's columns, every record as many fields as the header. Any problem refuses
 * the whole bundle.
 */
public record CsvBundle(List<Table> tables, List<ImportProblem> report) {

  /** One file: its table, the header's columns, its data rows, and the file itself. */
  public record Table(String file, String table, List<String> columns, long rows, String text) {}

  /** File names to tables, in the order a load fills them (a table after those it refers to). */
  public static final Map<String, String> TABLES = tableNames();

  private static final Pattern COLUMN = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private static Map<String, String> tableNames() {
    Map<String, String> t = new LinkedHashMap<>();
    t.put("users", "users");
    t.put("vendor_configs", "vendor_configs");
    t.put("products", "products");
    t.put("upload_batches", "upload_batches");
    t.put("orders", "ecommerce_orders");
    t.put("ecommerce_orders", "ecommerce_orders");
    t.put("sellout_entries", "sellout_entries2");
    t.put("sellout_entries2", "sellout_entries2");
    return t;
  }

  public static CsvBundle read(byte[] zip) {
    Map<String, Table> byTable = new LinkedHashMap<>();
    List<ImportProblem> report = new ArrayList<>();
    int files = 0;
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        if (e.isDirectory()) {
          continue;
        }
        files++;
        String file = e.getName();
        String base = file.startsWith("tables/") ? file.substring("tables/".length()) : file;
        String table =
            base.endsWith(".csv") ? TABLES.get(base.substring(0, base.length() - 4)) : null;
        if (table == null) {
          report.add(
              new ImportProblem(
                  file,
                  null,
                  null,
                  "not a table of the bundle: name the files users.csv, vendor_configs.csv,"
                      + " products.csv, upload_batches.csv, orders.csv, sellout_entries.csv"));
          continue;
        }
        if (byTable.containsKey(table)) {
          report.add(new ImportProblem(file, null, null, "a second file for table " + table));
          continue;
        }
        Table t = readFile(file, table, in.readAllBytes(), report);
        if (t != null) {
          byTable.put(table, t);
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      return refused("(bundle)", "not a readable ZIP archive of CSV files");
    }
    if (files == 0) {
      return refused("(bundle)", "the bundle holds no CSV file");
    }
    List<Table> ordered = new ArrayList<>();
    for (String table : new java.util.LinkedHashSet<>(TABLES.values())) {
      if (byTable.containsKey(table)) {
        ordered.add(byTable.get(table));
      }
    }
    return new CsvBundle(report.isEmpty() ? ordered : List.of(), report);
  }

  private static Table readFile(String file, String table, byte[] bytes, List<ImportProblem> r) {
    String text;
    try {
      text = ImportInputs.utf8(bytes);
    } catch (CharacterCodingException e) {
      r.add(new ImportProblem(file, null, null, "not UTF-8 text; save it as UTF-8"));
      return null;
    }
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    List<String> columns = null;
    long rows = 0;
    int before = r.size();
    try (CsvReader<CsvRecord> csv = CsvRules.reader(new StringReader(text), ',', '"', false)) {
      for (CsvRecord rec : csv) {
        if (columns == null) {
          columns = rec.getFields();
          for (String c : columns) {
            if (!COLUMN.matcher(c).matches()) {
              r.add(
                  new ImportProblem(
                      file,
                      (int) rec.getStartingLineNumber(),
                      null,
                      "the header must name the table's columns (lower case); '"
                          + abbreviate(c)
                          + "' is not a column name"));
            }
          }
          continue;
        }
        if (++rows > CsvRules.MAX_ROWS) {
          r.add(
              new ImportProblem(
                  file, null, null, "more than " + CsvRules.MAX_ROWS + " rows; split the table"));
          break;
        }
      }
    } catch (CsvParseException e) {
      r.add(new ImportProblem(file, lineOf(e), null, CsvRules.why(e)));
    } catch (IOException | UncheckedIOException e) {
      r.add(new ImportProblem(file, null, null, "cannot be read as CSV"));
    }
    if (columns == null && r.size() == before) {
      r.add(new ImportProblem(file, 1, null, "no header: the first line names the columns"));
    }
    return r.size() == before ? new Table(file, table, columns, rows, text) : null;
  }

  private static final Pattern LINE = Pattern.compile("line (\\d+)");

  private static Integer lineOf(CsvParseException e) {
    var m = LINE.matcher(String.valueOf(e.getMessage()));
    return m.find() ? Integer.valueOf(m.group(1)) : null;
  }

  private static String abbreviate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "…" : s;
  }

  private static CsvBundle refused(String file, String reason) {
    return new CsvBundle(List.of(), List.of(new ImportProblem(file, null, null, reason)));
  }
}
