package com.taskifai.routing.api;

import com.taskifai.tenantschema.VendorConfig;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectMapper;

/**
 * The SQL of the vendor configs and the currency codes they name, over the connection of the
 * caller's tenant transaction.
 */
final class VendorConfigs {
  private static final String COLUMNS =
      "vendor_key, display_name, delimiter, quote_char, header_line, period_format,"
          + " decimal_separator, default_currency, column_mapping::text AS column_mapping,"
          + " updated_at";

  /** A stored config as the API shows it (single characters as one-character strings). */
  record Stored(
      String vendorKey,
      String displayName,
      String delimiter,
      String quoteChar,
      int headerLine,
      String periodFormat,
      String decimalSeparator,
      String defaultCurrency,
      Map<String, String> columnMapping,
      Instant updatedAt) {

    VendorConfig config() {
      return new VendorConfig(
          vendorKey,
          displayName,
          delimiter.charAt(0),
          quoteChar.charAt(0),
          headerLine,
          periodFormat,
          decimalSeparator.charAt(0),
          defaultCurrency,
          columnMapping);
    }
  }

  private VendorConfigs() {}

  /** Every config, by vendor key. */
  static List<Stored> all(JdbcClient jdbc, ObjectMapper json) {
    return jdbc.sql("SELECT " + COLUMNS + " FROM vendor_configs ORDER BY vendor_key")
        .query(rows(json))
        .list();
  }

  /** The config stored for a vendor, or empty. */
  static Optional<VendorConfig> load(JdbcClient jdbc, ObjectMapper json, String key) {
    return jdbc.sql("SELECT " + COLUMNS + " FROM vendor_configs WHERE vendor_key = ?")
        .param(key)
        .query(rows(json))
        .optional()
        .map(Stored::config);
  }

  /** Inserts the config or replaces the one stored under its key. */
  static void save(JdbcClient jdbc, VendorConfig config) {
    jdbc.sql(
            "INSERT INTO vendor_configs (vendor_key, display_name, delimiter, quote_char,"
                + " header_line, period_format, decimal_separator, default_currency,"
                + " column_mapping) VALUES (?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS jsonb))"
                + " ON CONFLICT ON CONSTRAINT vendor_configs_pkey DO UPDATE SET display_name ="
                + " EXCLUDED.display_name, delimiter = EXCLUDED.delimiter, quote_char ="
                + " EXCLUDED.quote_char, header_line = EXCLUDED.header_line, period_format"
                + " = EXCLUDED.period_format, decimal_separator ="
                + " EXCLUDED.decimal_separator, default_currency ="
                + " EXCLUDED.default_currency, column_mapping = EXCLUDED.column_mapping,"
                + " updated_at = now()")
        .params(
            config.vendorKey(),
            config.displayName(),
            String.valueOf(config.delimiter()),
            String.valueOf(config.quoteChar()),
            config.headerLine(),
            config.periodFormat(),
            String.valueOf(config.decimalSeparator()),
            config.defaultCurrency(),
            config.columnMappingJson())
        .update();
  }

  /** True when the code is in the ISO 4217 table. */
  static boolean isCurrency(JdbcClient jdbc, String code) {
    return jdbc.sql("SELECT count(*) FROM currency_codes WHERE code = ?")
            .param(code)
            .query(Long.class)
            .single()
        > 0;
  }

  /** Every ISO 4217 code. */
  static Set<String> currencies(JdbcClient jdbc) {
    return new HashSet<>(jdbc.sql("SELECT code FROM currency_codes").query(String.class).list());
  }

  private static RowMapper<Stored> rows(ObjectMapper json) {
    return (ResultSet rs, int n) -> row(rs, json);
  }

  private static Stored row(ResultSet rs, ObjectMapper json) throws SQLException {
    return new Stored(
        rs.getString("vendor_key"),
        rs.getString("display_name"),
        rs.getString("delimiter"),
        rs.getString("quote_char"),
        rs.getInt("header_line"),
        rs.getString("period_format"),
        rs.getString("decimal_separator"),
        rs.getString("default_currency"),
        json.readValue(
            rs.getString("column_mapping"), new TypeReference<LinkedHashMap<String, String>>() {}),
        Sql.instant(rs, "updated_at"));
  }
}
