package com.taskifai.tenantschema;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How one vendor's sell-out file reads: separator, quote, lines before the header, period and
 * decimal format, and which of the vendor's columns fills which of our fields.
 *
 * @param headerLine number of lines before the header line (report titles, blank lines)
 * @param periodFormat one of {@link #PERIOD_FORMATS}
 * @param defaultCurrency ISO 4217 code used when the file has no currency column, or null
 * @param columnMapping the vendor's column header to one of {@link #FIELDS}
 */
public record VendorConfig(
    String vendorKey,
    String displayName,
    char delimiter,
    char quoteChar,
    int headerLine,
    String periodFormat,
    char decimalSeparator,
    String defaultCurrency,
    Map<String, String> columnMapping) {

  /** The fields of a sell-out entry that a vendor column can fill. */
  public static final Set<String> FIELDS =
      Set.of(
          "period",
          "ean",
          "sku",
          "product_name",
          "quantity",
          "revenue",
          "currency",
          "store",
          "channel",
          "country");

  /** The period formats a vendor file may use: a day, a month or an ISO week. */
  public static final Set<String> PERIOD_FORMATS =
      Set.of("dd.MM.yyyy", "yyyy-MM-dd", "yyyy-MM", "YYYY-Www");

  /** The configs every new tenant starts with, matching the sample files of the three vendors. */
  public static List<VendorConfig> defaults() {
    return List.of(
        new VendorConfig(
            "vendor-a-retail-de",
            "Vendor A (retail, Germany)",
            ';',
            '"',
            0,
            "dd.MM.yyyy",
            ',',
            "EUR",
            mapping(
                "Filiale", "store",
                "EAN", "ean",
                "Artikel", "product_name",
                "Datum", "period",
                "Menge", "quantity",
                "Umsatz (EUR)", "revenue")),
        new VendorConfig(
            "vendor-b-online-eu",
            "Vendor B (online, EU)",
            ',',
            '"',
            0,
            "yyyy-MM",
            '.',
            null,
            mapping(
                "order_month", "period",
                "product_code", "ean",
                "product_name", "product_name",
                "units", "quantity",
                "net_revenue", "revenue",
                "currency", "currency",
                "country", "country")),
        new VendorConfig(
            "vendor-c-pharmacy",
            "Vendor C (pharmacy)",
            '\t',
            '"',
            2,
            "YYYY-Www",
            '.',
            "EUR",
            mapping(
                "Week", "period",
                "SKU", "sku",
                "Description", "product_name",
                "Qty", "quantity",
                "Revenue", "revenue")));
  }

  private static Map<String, String> mapping(String... pairs) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put(pairs[i], pairs[i + 1]);
    }
    return m;
  }

  /** The column mapping as a JSON object, as stored in {@code vendor_configs.column_mapping}. */
  public String columnMappingJson() {
    StringBuilder sb = new StringBuilder("{");
    for (Map.Entry<String, String> e : columnMapping.entrySet()) {
      if (sb.length() > 1) {
        sb.append(',');
      }
      sb.append(jsonString(e.getKey())).append(':').append(jsonString(e.getValue()));
    }
    return sb.append('}').toString();
  }

  private static String jsonString(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        default -> {
          if (ch < 0x20) {
            sb.append(String.format("\\u%04x", (int) ch));
          } else {
            sb.append(ch);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
