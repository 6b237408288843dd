package com.taskifai.routing.api;

import com.taskifai.routing.tenancy.RoutedTenant;
import com.taskifai.routing.tenancy.RouterMetrics;
import com.taskifai.routing.tenancy.TenantDatabase;
import com.taskifai.routing.tenancy.TenantUser;
import com.taskifai.tenantschema.VendorConfig;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Date;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.util.unit.DataSize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import tools.jackson.databind.ObjectMapper;

/**
 * Sell-out entries and their uploads. A user sees the rows of their own uploads, an admin all (row
 * level security). An upload is one transaction: every row goes in, or none.
 */
@RestController
class SelloutController {
  private static final String COLUMNS =
      "id, batch_id, uploaded_by, vendor_key, product_id, ean, sku, product_name, period_start,"
          + " period_end, period_label, quantity, revenue, currency, store, channel, country,"
          + " created_at";

  private final TenantDatabase db;
  private final ObjectMapper json;
  private final RouterMetrics metrics;
  private final long maxUploadBytes;

  /** What parsing a file needs from the tenant's database. */
  private record ParseInputs(VendorConfig config, Set<String> currencies) {}

  SelloutController(
      TenantDatabase db,
      ObjectMapper json,
      RouterMetrics metrics,
      @Value("${spring.servlet.multipart.max-file-size:5MB}") DataSize maxUploadSize) {
    this.db = db;
    this.json = json;
    this.metrics = metrics;
    this.maxUploadBytes = maxUploadSize.toBytes();
  }

  /**
   * Entries, filtered by vendor key, product (EAN, SKU or product id) and period (a period label or
   * its start, such as 2026, 2026-03 or 2026-W07).
   */
  @GetMapping("/api/sellout")
  Page<Map<String, Object>> list(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestAttribute(TenantUser.ATTRIBUTE) TenantUser user,
      @RequestParam(required = false) String vendor,
      @RequestParam(required = false) String product,
      @RequestParam(required = false) String period,
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) Integer offset) {
    int l = Page.limit(limit);
    int o = Page.offset(offset);
    StringBuilder where = new StringBuilder(" WHERE true");
    Map<String, Object> params = new HashMap<>();
    if (vendor != null && !vendor.isBlank()) {
      where.append(" AND vendor_key = :vendor");
      params.put("vendor", vendor.strip());
    }
    if (product != null && !product.isBlank()) {
      where.append(" AND (ean = :product OR sku = :product OR product_id::text = :product)");
      params.put("product", product.strip());
    }
    if (period != null && !period.isBlank()) {
      if (period.length() > 20) {
        throw ApiException.badRequest("period must be a period label such as 2026-03");
      }
      where.append(" AND period_label LIKE :period");
      params.put(
          "period",
          period.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
    }
    return db.inTransaction(
        tenant,
        user,
        tx -> {
          long total =
              tx.jdbc()
                  .sql("SELECT count(*) FROM sellout_entries2" + where)
                  .params(params)
                  .query(Long.class)
                  .single();
          Map<String, Object> p = new HashMap<>(params);
          p.put("limit", l);
          p.put("offset", o);
          List<Map<String, Object>> rows =
              tx.jdbc()
                  .sql(
                      "SELECT "
                          + COLUMNS
                          + " FROM sellout_entries2"
                          + where
                          + " ORDER BY period_start, id LIMIT :limit OFFSET :offset")
                  .params(p)
                  .query(Rows.MAPPER)
                  .list();
          return new Page<>(rows, l, o, total);
        });
  }

  /** Upload batches (own, or all for an admin), newest first. */
  @GetMapping("/api/sellout/uploads")
  List<Map<String, Object>> uploads(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestAttribute(TenantUser.ATTRIBUTE) TenantUser user) {
    return db.inTransaction(
        tenant,
        user,
        tx ->
            tx.jdbc()
                .sql(
                    "SELECT id, uploaded_by, vendor_key, file_name, row_count, created_at"
                        + " FROM upload_batches ORDER BY created_at DESC LIMIT 500")
                .query(Rows.MAPPER)
                .list());
  }

  @PostMapping("/api/sellout/uploads")
  @ResponseStatus(HttpStatus.CREATED)
  Map<String, Object> upload(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestAttribute(TenantUser.ATTRIBUTE) TenantUser user,
      @RequestParam("vendor") String vendor,
      @RequestParam("file") MultipartFile file)
      throws IOException {
    if (file.isEmpty()) {
      throw ApiException.badRequest("the file is empty");
    }
    String fileName =
        file.getOriginalFilename() == null || file.getOriginalFilename().isBlank()
            ? "upload.csv"
            : file.getOriginalFilename();
    if (fileName.length() > 255) {
      fileName = fileName.substring(0, 255);
    }
    String name = fileName;
    // A short transaction reads what parsing needs; the file is parsed with no tenant connection
    // (nor a permit of the global cap) held, and a second transaction stores the good rows.
    ParseInputs inputs =
        db.inTransaction(
            tenant,
            user,
            tx ->
                new ParseInputs(
                    VendorConfigsController.load(tx, json, vendor.strip())
                        .orElseThrow(
                            () ->
                                ApiException.badRequest(
                                    "unknown vendor '"
                                        + vendor
                                        + "'; GET /api/vendor-configs lists the vendors")),
                    new HashSet<>(
                        tx.jdbc()
                            .sql("SELECT code FROM currency_codes")
                            .query(String.class)
                            .list())));
    SelloutFile.Result parsed;
    try (InputStream content = file.getInputStream()) {
      parsed = SelloutFile.parse(content, maxUploadBytes, inputs.config(), inputs.currencies());
    } catch (SelloutFile.FileError e) {
      throw switch (e.kind()) {
        case TOO_LARGE ->
            new ApiException(HttpStatus.CONTENT_TOO_LARGE, "too_large", e.getMessage());
        case BAD_LINE ->
            new ApiException(
                HttpStatus.UNPROCESSABLE_CONTENT, "invalid_rows", e.getMessage(), List.of(e.row()));
        case NOT_READABLE -> ApiException.badRequest(e.getMessage());
      };
    }
    if (parsed.errorCount() > 0) {
      List<Integer> lines = new ArrayList<>();
      parsed.errors().forEach(e -> lines.add(e.line()));
      throw new ApiException(
          HttpStatus.UNPROCESSABLE_CONTENT,
          "invalid_rows",
          parsed.errorCount()
              + " row(s) are not valid, so nothing was imported; fix line(s) "
              + lines
              + (parsed.errorCount() > lines.size() ? " and more" : "")
              + " and upload the file again",
          parsed.errors());
    }
    if (parsed.entries().isEmpty()) {
      throw ApiException.badRequest("the file holds no data rows");
    }
    Map<String, Object> out =
        db.inTransaction(tenant, user, tx -> insert(tx, inputs.config(), name, parsed.entries()));
    metrics.uploadRows(tenant.id(), ((Number) out.get("rows")).intValue());
    metrics.uploadBytes(tenant.id(), file.getSize());
    return out;
  }

  private static Map<String, Object> insert(
      TenantDatabase.Tx tx, VendorConfig config, String fileName, List<SelloutFile.Entry> rows) {
    Map<String, UUID> products = new HashMap<>();
    tx.jdbc()
        .sql("SELECT id, sku, ean FROM products")
        .query(
            (rs, i) -> {
              UUID id = rs.getObject(1, UUID.class);
              products.put("sku:" + rs.getString(2), id);
              if (rs.getString(3) != null) {
                products.put("ean:" + rs.getString(3), id);
              }
              return id;
            })
        .list();
    UUID batch =
        tx.jdbc()
            .sql(
                "INSERT INTO upload_batches (uploaded_by, vendor_key, file_name, row_count)"
                    + " VALUES (?, ?, ?, ?) RETURNING id")
            .params(tx.user().userId(), config.vendorKey(), fileName, rows.size())
            .query(UUID.class)
            .single();
    List<Object[]> args = new ArrayList<>(rows.size());
    for (SelloutFile.Entry e : rows) {
      UUID productId = null;
      if (e.ean() != null) {
        productId = products.getOrDefault("ean:" + e.ean(), products.get("sku:" + e.ean()));
      }
      if (productId == null && e.sku() != null) {
        productId = products.getOrDefault("sku:" + e.sku(), products.get("ean:" + e.sku()));
      }
      args.add(
          new Object[] {
            batch,
            tx.user().userId(),
            config.vendorKey(),
            productId,
            e.ean(),
            e.sku(),
            e.productName(),
            Date.valueOf(e.periodStart()),
            Date.valueOf(e.periodEnd()),
            e.periodLabel(),
            e.quantity(),
            e.revenue(),
            e.currency(),
            e.store(),
            e.channel(),
            e.country()
          });
    }
    tx.template()
        .batchUpdate(
            "INSERT INTO sellout_entries2 (batch_id, uploaded_by, vendor_key, product_id, ean, sku,"
                + " product_name, period_start, period_end, period_label, quantity, revenue,"
                + " currency, store, channel, country) VALUES"
                + " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            args);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("batch_id", batch);
    out.put("vendor_key", config.vendorKey());
    out.put("file_name", fileName);
    out.put("rows", rows.size());
    return out;
  }
}
