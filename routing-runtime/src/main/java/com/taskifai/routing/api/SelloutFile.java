package com.taskifai.routing.api;

import com.taskifai.tenantschema.VendorConfig;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A vendor's sell-out file read through its vendor config: every data row becomes an entry, or the
 * file is refused with the line number and the reason of every bad row. Line numbers count every
 * physical line of the file from 1, header and preamble included, so they match an editor's.
 */
final class SelloutFile {
  static final int MAX_ROWS = 100_000;
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

  private SelloutFile() {}

  static Result parse(byte[] content, VendorConfig config, Set<String> currencies) {
    String text = decode(content);
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    String[] lines = text.split("\r?\n", -1);
    List<RowError> errors = new ArrayList<>();
    int headerIndex = config.headerLine();
    if (lines.length <= headerIndex || lines[headerIndex].isBlank()) {
      throw ApiException.badRequest(
          "the file has no header line at line "
              + (headerIndex + 1)
              + " (vendor config "
              + config.vendorKey()
              + " expects "
              + headerIndex
              + " line(s) before it)");
    }
    List<String> header;
    try {
      header = split(lines[headerIndex], config);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("line " + (headerIndex + 1) + ": " + e.getMessage());
    }
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
      throw ApiException.badRequest(
          "line "
              + (headerIndex + 1)
              + ": the header lacks the column(s) "
              + missing
              + " that vendor config "
              + config.vendorKey()
              + " maps; is this the right vendor?");
    }

    List<Entry> entries = new ArrayList<>();
    int errorCount = 0;
    for (int i = headerIndex + 1; i < lines.length; i++) {
      int lineNo = i + 1;
      String line = lines[i];
      if (line.isBlank()) {
        continue;
      }
      if (entries.size() + errorCount >= MAX_ROWS) {
        throw ApiException.badRequest("the file has more than " + MAX_ROWS + " rows; split it");
      }
      try {
        List<String> fields = split(line, config);
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
    return new Result(entries, errors, errorCount);
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

  /** Splits one line on the delimiter; quoted fields may hold delimiters and doubled quotes. */
  static List<String> split(String line, VendorConfig config) {
    char d = config.delimiter();
    char q = config.quoteChar();
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    boolean wasQuoted = false;
    for (int i = 0; i < line.length(); i++) {
      char ch = line.charAt(i);
      if (quoted) {
        if (ch == q) {
          if (i + 1 < line.length() && line.charAt(i + 1) == q) {
            cur.append(q);
            i++;
          } else {
            quoted = false;
          }
        } else {
          cur.append(ch);
        }
      } else if (ch == q && cur.toString().isBlank() && !wasQuoted) {
        quoted = true;
        wasQuoted = true;
        cur.setLength(0);
      } else if (ch == d) {
        out.add(cur.toString());
        cur.setLength(0);
        wasQuoted = false;
      } else {
        cur.append(ch);
      }
    }
    if (quoted) {
      throw new IllegalArgumentException("a quoted field is not closed");
    }
    out.add(cur.toString());
    return out;
  }

  private static String decode(byte[] content) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(content))
          .toString();
    } catch (CharacterCodingException e) {
      throw ApiException.badRequest("the file must be UTF-8 text");
    }
  }
}
