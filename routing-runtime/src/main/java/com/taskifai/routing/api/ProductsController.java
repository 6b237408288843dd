package com.taskifai.routing.api;

import com.taskifai.routing.tenancy.RoutedTenant;
import com.taskifai.routing.tenancy.TenantDatabase;
import com.taskifai.routing.tenancy.TenantUser;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** The tenant's products: everyone reads, admins write. */
@RestController
class ProductsController {
  private static final Pattern EAN = Pattern.compile("^[0-9]{8,14}$");
  private static final String COLUMNS = "id, sku, name, ean, category, created_at, updated_at";

  private final TenantDatabase db;

  ProductsController(TenantDatabase db) {
    this.db = db;
  }

  record ProductInput(String sku, String name, String ean, String category) {
    void validate() {
      if (sku == null || sku.isBlank() || sku.length() > 64) {
        throw ApiException.badRequest("sku is required (1 to 64 characters)");
      }
      if (name == null || name.isBlank() || name.length() > 255) {
        throw ApiException.badRequest("name is required (1 to 255 characters)");
      }
      if (ean != null && !ean.isEmpty() && !EAN.matcher(ean).matches()) {
        throw ApiException.badRequest("ean must be 8 to 14 digits");
      }
      if (category != null && category.length() > 100) {
        throw ApiException.badRequest("category must be at most 100 characters");
      }
    }

    String eanOrNull() {
      return ean == null || ean.isEmpty() ? null : ean;
    }
  }

  @GetMapping("/api/products")
  Page<Map<String, Object>> list(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestAttribute(TenantUser.ATTRIBUTE) TenantUser user,
      @RequestParam(required = false) String q,
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) Integer offset) {
    int l = Page.limit(limit);
    int o = Page.offset(offset);
    String like =
        q == null || q.isBlank()
            ? null
            : "%" + q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
    return db.inTransaction(
        tenant,
        user,
        tx -> {
          String where = like == null ? "" : " WHERE sku ILIKE :q OR name ILIKE :q OR ean ILIKE :q";
          var count = tx.jdbc().sql("SELECT count(*) FROM products" + where);
          var rows =
              tx.jdbc()
                  .sql(
                      "SELECT "
                          + COLUMNS
                          + " FROM products"
                          + where
                          + " ORDER BY sku LIMIT :limit OFFSET :offset")
                  .param("limit", l)
                  .param("offset", o);
          if (like != null) {
            count = count.param("q", like);
            rows = rows.param("q", like);
          }
          return new Page<>(rows.query(Rows.MAPPER).list(), l, o, count.query(Long.class).single());
        });
  }

  @GetMapping("/api/products/{id}")
  Map<String, Object> get(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestAttribute(TenantUser.ATTRIBUTE) TenantUser user,
      @PathVariable UUID id) {
    return db.inTransaction(tenant, user, tx -> find(tx, id));
  }

  @PostMapping("/api/products")
  @ResponseStatus(HttpStatus.CREATED)
  Map<String, Object> create(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestAttribute(TenantUser.ATTRIBUTE) TenantUser user,
      @RequestBody ProductInput body) {
    if (!user.isAdmin()) {
      throw ApiException.adminOnly("create products");
    }
    body.validate();
    return db.inTransaction(
        tenant,
        user,
        tx -> {
          requireFreeSku(tx, body.sku(), null);
          UUID id =
              tx.jdbc()
                  .sql(
                      "INSERT INTO products (sku, name, ean, category) VALUES (?, ?, ?, ?)"
                          + " RETURNING id")
                  .params(body.sku(), body.name(), body.eanOrNull(), body.category())
                  .query(UUID.class)
                  .single();
          return find(tx, id);
        });
  }

  @PutMapping("/api/products/{id}")
  Map<String, Object> update(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestAttribute(TenantUser.ATTRIBUTE) TenantUser user,
      @PathVariable UUID id,
      @RequestBody ProductInput body) {
    if (!user.isAdmin()) {
      throw ApiException.adminOnly("change products");
    }
    body.validate();
    return db.inTransaction(
        tenant,
        user,
        tx -> {
          requireFreeSku(tx, body.sku(), id);
          int n =
              tx.jdbc()
                  .sql(
                      "UPDATE products SET sku = ?, name = ?, ean = ?, category = ?,"
                          + " updated_at = now() WHERE id = ?")
                  .params(body.sku(), body.name(), body.eanOrNull(), body.category(), id)
                  .update();
          if (n == 0) {
            throw ApiException.notFound("no product with id " + id);
          }
          return find(tx, id);
        });
  }

  @DeleteMapping("/api/products/{id}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void delete(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestAttribute(TenantUser.ATTRIBUTE) TenantUser user,
      @PathVariable UUID id) {
    if (!user.isAdmin()) {
      throw ApiException.adminOnly("delete products");
    }
    int n =
        db.inTransaction(
            tenant,
            user,
            tx -> tx.jdbc().sql("DELETE FROM products WHERE id = ?").param(id).update());
    if (n == 0) {
      throw ApiException.notFound("no product with id " + id);
    }
  }

  private static void requireFreeSku(TenantDatabase.Tx tx, String sku, UUID except) {
    List<UUID> holders =
        tx.jdbc().sql("SELECT id FROM products WHERE sku = ?").param(sku).query(UUID.class).list();
    if (holders.stream().anyMatch(h -> !h.equals(except))) {
      throw new ApiException(
          HttpStatus.CONFLICT, "conflict", "a product with sku '" + sku + "' already exists");
    }
  }

  private static Map<String, Object> find(TenantDatabase.Tx tx, UUID id) {
    return tx
        .jdbc()
        .sql("SELECT " + COLUMNS + " FROM products WHERE id = ?")
        .param(id)
        .query(Rows.MAPPER)
        .list()
        .stream()
        .findFirst()
        .orElseThrow(() -> ApiException.notFound("no product with id " + id));
  }
}
