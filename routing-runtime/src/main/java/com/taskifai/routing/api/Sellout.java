package com.taskifai.routing.api;

import com.taskifai.routing.tenancy.TenantDatabase;
import com.taskifai.tenantschema.VendorConfig;
import java.math.BigDecimal;
import java.sql.Date;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The SQL of the sell-out entries and their upload batches, over the connection of the caller's
 * tenant transaction (row level security shows a user the rows of their own uploads).
 */
final class Sellout {
  private static final String COLUMNS =
      "id, batch_id, uploaded_by, vendor_key, product_id, ean, sku, product_name, period_start,"
          + " period_end, period_label, quantity, revenue, currency, store, channel, country,"
          + " created_at";

  /** One sell-out entry. */
  record Entry(
      UUID id,
      UUID batchId,
      UUID uploadedBy,
      String vendorKey,
      UUID productId,
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
      String country,
      Instant createdAt) {}

  /** One upload batch. */
  record Batch(
      UUID id,
      UUID uploadedBy,
      String vendorKey,
      String fileName,
      int rowCount,
      Instant createdAt) {}

  /** What an upload stored. */
  record Stored(UUID batchId, String vendorKey, String fileName, int rows) {}

  /**
   * Which entries to list; null means any. {@code periodPrefix} matches the start of the period
   * label, literally.
   */
  record Filter(String vendor, String product, String periodPrefix) {}

  private Sellout() {}

  /** A page of the entries that pass the filter, by period start. */
  static Page<Entry> page(JdbcClient jdbc, Filter filter, int limit, int offset) {
    StringBuilder where = new StringBuilder(" WHERE true");
    Map<String, Object> params = new HashMap<>();
    if (filter.vendor() != null) {
      where.append(" AND vendor_key = :vendor");
      params.put("vendor", filter.vendor());
    }
    if (filter.product() != null) {
      where.append(" AND (ean = :product OR sku = :product OR product_id::text = :product)");
      params.put("product", filter.product());
    }
    if (filter.periodPrefix() != null) {
      where.append(" AND period_label LIKE :period");
      params.put("period", Sql.escapeLike(filter.periodPrefix()) + "%");
    }
    long total =
        jdbc.sql("SELECT count(*) FROM sellout_entries2" + where)
            .params(params)
            .query(Long.class)
            .single();
    Map<String, Object> p = new HashMap<>(params);
    p.put("limit", limit);
    p.put("offset", offset);
    List<Entry> rows =
        jdbc.sql(
                "SELECT "
                    + COLUMNS
                    + " FROM sellout_entries2"
                    + where
                    + " ORDER BY period_start, id LIMIT :limit OFFSET :offset")
            .params(p)
            .query(Sellout::entry)
            .list();
    return new Page<>(rows, limit, offset, total);
  }

  /** The latest 500 upload batches, newest first. */
  static List<Batch> batches(JdbcClient jdbc) {
    return jdbc.sql(
            "SELECT id, uploaded_by, vendor_key, file_name, row_count, created_at"
                + " FROM upload_batches ORDER BY created_at DESC LIMIT 500")
        .query(Sellout::batch)
        .list();
  }

  /**
   * Stores an upload as one batch of the caller's: its entries are linked to the products whose EAN
   * or sku they name.
   */
  static Stored store(
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
    return new Stored(batch, config.vendorKey(), fileName, rows.size());
  }

  private static Entry entry(ResultSet rs, int n) throws SQLException {
    return new Entry(
        rs.getObject("id", UUID.class),
        rs.getObject("batch_id", UUID.class),
        rs.getObject("uploaded_by", UUID.class),
        rs.getString("vendor_key"),
        rs.getObject("product_id", UUID.class),
        rs.getString("ean"),
        rs.getString("sku"),
        rs.getString("product_name"),
        Sql.date(rs, "period_start"),
        Sql.date(rs, "period_end"),
        rs.getString("period_label"),
        rs.getBigDecimal("quantity"),
        rs.getBigDecimal("revenue"),
        rs.getString("currency"),
        rs.getString("store"),
        rs.getString("channel"),
        rs.getString("country"),
        Sql.instant(rs, "created_at"));
  }

  private static Batch batch(ResultSet rs, int n) throws SQLException {
    return new Batch(
        rs.getObject("id", UUID.class),
        rs.getObject("uploaded_by", UUID.class),
        rs.getString("vendor_key"),
        rs.getString("file_name"),
        rs.getInt("row_count"),
        Sql.instant(rs, "created_at"));
  }
}
