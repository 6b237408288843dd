package com.taskifai.routing.api;

import com.taskifai.routing.tenancy.RoutedTenant;
import com.taskifai.routing.tenancy.TenantDatabase;
import com.taskifai.routing.tenancy.TenantUser;
import com.taskifai.tenantschema.VendorConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectMapper;

/** Vendor configs: how each vendor's sell-out file maps onto our fields. Admins only. */
@RestController
class VendorConfigsController {
  private static final Pattern KEY = Pattern.compile("^[a-z0-9][a-z0-9-]{1,62}$");
  private static final Pattern CURRENCY = Pattern.compile("^[A-Z]{3}$");
  static final String COLUMNS =
      "vendor_key, display_name, delimiter, quote_char, header_line, period_format,"
          + " decimal_separator, default_currency, column_mapping::text AS column_mapping,"
          + " updated_at";

  private final TenantDatabase db;
  private final ObjectMapper json;

  VendorConfigsController(TenantDatabase db, ObjectMapper json) {
    this.db = db;
    this.json = json;
  }

  record VendorConfigInput(
      String displayName,
      String delimiter,
      String quoteChar,
      Integer headerLine,
      String periodFormat,
      String decimalSeparator,
      String defaultCurrency,
      Map<String, String> columnMapping) {}

  @GetMapping("/api/vendor-configs")
  List<Map<String, Object>> list(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestAttribute(TenantUser.ATTRIBUTE) TenantUser user) {
    if (!user.isAdmin()) {
      throw ApiException.adminOnly("read vendor configs");
    }
    List<Map<String, Object>> rows =
        db.inTransaction(
            tenant,
            user,
            tx ->
                tx.jdbc()
                    .sql("SELECT " + COLUMNS + " FROM vendor_configs ORDER BY vendor_key")
                    .query(Rows.MAPPER)
                    .list());
    List<Map<String, Object>> out = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      Map<String, Object> m = new LinkedHashMap<>(r);
      m.put("column_mapping", parseMapping((String) r.get("column_mapping")));
      out.add(m);
    }
    return out;
  }

  @PutMapping("/api/vendor-configs/{vendorKey}")
  Map<String, Object> put(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestAttribute(TenantUser.ATTRIBUTE) TenantUser user,
      @PathVariable String vendorKey,
      @RequestBody VendorConfigInput in) {
    if (!user.isAdmin()) {
      throw ApiException.adminOnly("change vendor configs");
    }
    VendorConfig config = validate(vendorKey, in);
    db.inTransaction(
        tenant,
        user,
        tx -> {
          if (config.defaultCurrency() != null
              && tx.jdbc()
                      .sql("SELECT count(*) FROM currency_codes WHERE code = ?")
                      .param(config.defaultCurrency())
                      .query(Long.class)
                      .single()
                  == 0) {
            throw ApiException.badRequest(
                "default_currency '" + config.defaultCurrency() + "' is not an ISO 4217 currency");
          }
          return tx.jdbc()
              .sql(
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
        });
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("vendor_key", config.vendorKey());
    out.put("display_name", config.displayName());
    out.put("delimiter", String.valueOf(config.delimiter()));
    out.put("quote_char", String.valueOf(config.quoteChar()));
    out.put("header_line", config.headerLine());
    out.put("period_format", config.periodFormat());
    out.put("decimal_separator", String.valueOf(config.decimalSeparator()));
    out.put("default_currency", config.defaultCurrency());
    out.put("column_mapping", config.columnMapping());
    return out;
  }

  static VendorConfig validate(String key, VendorConfigInput in) {
    List<String> problems = new ArrayList<>();
    if (!KEY.matcher(key).matches()) {
      problems.add("vendor key must be 2 to 63 lower-case letters, digits or hyphens");
    }
    if (in.displayName() == null || in.displayName().isBlank()) {
      problems.add("display_name is required");
    }
    String delimiter = in.delimiter() == null ? "," : in.delimiter();
    if (delimiter.equals("\\t")) {
      delimiter = "\t";
    }
    if (delimiter.length() != 1) {
      problems.add("delimiter must be one character (use \\t for tab)");
    }
    String quote = in.quoteChar() == null ? "\"" : in.quoteChar();
    if (quote.length() != 1) {
      problems.add("quote_char must be one character");
    }
    int headerLine = in.headerLine() == null ? 0 : in.headerLine();
    if (headerLine < 0 || headerLine > 100) {
      problems.add("header_line (lines before the header) must be 0 to 100");
    }
    if (in.periodFormat() == null || !VendorConfig.PERIOD_FORMATS.contains(in.periodFormat())) {
      problems.add("period_format must be one of " + VendorConfig.PERIOD_FORMATS);
    }
    String decimal = in.decimalSeparator() == null ? "." : in.decimalSeparator();
    if (!decimal.equals(".") && !decimal.equals(",")) {
      problems.add("decimal_separator must be '.' or ','");
    }
    if (in.defaultCurrency() != null && !CURRENCY.matcher(in.defaultCurrency()).matches()) {
      problems.add("default_currency must be three upper-case letters (ISO 4217)");
    }
    Map<String, String> mapping =
        in.columnMapping() == null ? Map.of() : new LinkedHashMap<>(in.columnMapping());
    for (Map.Entry<String, String> e : mapping.entrySet()) {
      if (!VendorConfig.FIELDS.contains(e.getValue())) {
        problems.add(
            "column_mapping maps '" + e.getKey() + "' to unknown field '" + e.getValue() + "'");
      }
    }
    for (String required : List.of("period", "quantity", "revenue")) {
      if (!mapping.containsValue(required)) {
        problems.add("column_mapping must map a column to '" + required + "'");
      }
    }
    if (!mapping.containsValue("ean") && !mapping.containsValue("sku")) {
      problems.add("column_mapping must map a column to 'ean' or 'sku'");
    }
    if (!mapping.containsValue("currency") && in.defaultCurrency() == null) {
      problems.add("map a column to 'currency' or set default_currency");
    }
    if (!problems.isEmpty()) {
      throw ApiException.badRequest(String.join("; ", problems));
    }
    return new VendorConfig(
        key,
        in.displayName().strip(),
        delimiter.charAt(0),
        quote.charAt(0),
        headerLine,
        in.periodFormat(),
        decimal.charAt(0),
        in.defaultCurrency(),
        mapping);
  }

  /** The config stored for a vendor, or empty. */
  static Optional<VendorConfig> load(TenantDatabase.Tx tx, ObjectMapper json, String key) {
    return tx
        .jdbc()
        .sql("SELECT " + COLUMNS + " FROM vendor_configs WHERE vendor_key = ?")
        .param(key)
        .query(Rows.MAPPER)
        .list()
        .stream()
        .findFirst()
        .map(
            r ->
                new VendorConfig(
                    (String) r.get("vendor_key"),
                    (String) r.get("display_name"),
                    ((String) r.get("delimiter")).charAt(0),
                    ((String) r.get("quote_char")).charAt(0),
                    ((Number) r.get("header_line")).intValue(),
                    (String) r.get("period_format"),
                    ((String) r.get("decimal_separator")).charAt(0),
                    (String) r.get("default_currency"),
                    json.readValue(
                        (String) r.get("column_mapping"),
                        new TypeReference<LinkedHashMap<String, String>>() {})));
  }

  private Map<String, String> parseMapping(String text) {
    return json.readValue(text, new TypeReference<LinkedHashMap<String, String>>() {});
  }
}
