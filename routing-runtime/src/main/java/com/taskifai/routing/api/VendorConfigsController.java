package com.taskifai.routing.api;

import com.taskifai.routing.tenancy.RoutedTenant;
import com.taskifai.routing.tenancy.TenantDatabase;
import com.taskifai.routing.tenancy.TenantUser;
import com.taskifai.tenantschema.VendorConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.ObjectMapper;

/** Vendor configs: how each vendor's sell-out file maps onto our fields. Admins only. */
@RestController
class VendorConfigsController {
  private static final Pattern KEY = Pattern.compile("^[a-z0-9][a-z0-9-]{1,62}$");
  private static final Pattern CURRENCY = Pattern.compile("^[A-Z]{3}$");

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

  /** A saved config as the API answers it. */
  record Saved(
      String vendorKey,
      String displayName,
      String delimiter,
      String quoteChar,
      int headerLine,
      String periodFormat,
      String decimalSeparator,
      String defaultCurrency,
      Map<String, String> columnMapping) {
    static Saved of(VendorConfig config) {
      return new Saved(
          config.vendorKey(),
          config.displayName(),
          String.valueOf(config.delimiter()),
          String.valueOf(config.quoteChar()),
          config.headerLine(),
          config.periodFormat(),
          String.valueOf(config.decimalSeparator()),
          config.defaultCurrency(),
          config.columnMapping());
    }
  }

  @GetMapping("/api/vendor-configs")
  List<VendorConfigs.Stored> list(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestAttribute(TenantUser.ATTRIBUTE) TenantUser user) {
    if (!user.isAdmin()) {
      throw ApiException.adminOnly("read vendor configs");
    }
    return db.inTransaction(tenant, user, tx -> VendorConfigs.all(tx.jdbc(), json));
  }

  @PutMapping("/api/vendor-configs/{vendorKey}")
  Saved put(
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
              && !VendorConfigs.isCurrency(tx.jdbc(), config.defaultCurrency())) {
            throw ApiException.badRequest(
                "default_currency '" + config.defaultCurrency() + "' is not an ISO 4217 currency");
          }
          VendorConfigs.save(tx.jdbc(), config);
          return null;
        });
    return Saved.of(config);
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
      if (e.getValue() == null) {
        problems.add("column_mapping maps '" + e.getKey() + "' to nothing (null): name a field");
      } else if (!VendorConfig.FIELDS.contains(e.getValue())) {
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
}
