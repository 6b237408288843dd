package com.taskifai.routing.api;

import com.taskifai.routing.tenancy.RoutedTenant;
import com.taskifai.routing.tenancy.TenantDatabase;
import com.taskifai.routing.tenancy.TenantUser;
import com.taskifai.web.ProblemException;
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
  Page<Products.Product> list(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestAttribute(TenantUser.ATTRIBUTE) TenantUser user,
      @RequestParam(required = false) String q,
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) Integer offset) {
    int l = Page.limit(limit);
    int o = Page.offset(offset);
    return db.inTransaction(tenant, user, tx -> Products.page(tx.jdbc(), q, l, o));
  }

  @GetMapping("/api/products/{id}")
  Products.Product get(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestAttribute(TenantUser.ATTRIBUTE) TenantUser user,
      @PathVariable UUID id) {
    return db.inTransaction(tenant, user, tx -> find(tx, id));
  }

  @PostMapping("/api/products")
  @ResponseStatus(HttpStatus.CREATED)
  Products.Product create(
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
              Products.add(tx.jdbc(), body.sku(), body.name(), body.eanOrNull(), body.category());
          return find(tx, id);
        });
  }

  @PutMapping("/api/products/{id}")
  Products.Product update(
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
          if (!Products.update(
              tx.jdbc(), id, body.sku(), body.name(), body.eanOrNull(), body.category())) {
            throw notFound(id);
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
    if (!db.inTransaction(tenant, user, tx -> Products.delete(tx.jdbc(), id))) {
      throw notFound(id);
    }
  }

  private static void requireFreeSku(TenantDatabase.Tx tx, String sku, UUID except) {
    if (Products.skuTaken(tx.jdbc(), sku, except)) {
      throw new ApiException(
          HttpStatus.CONFLICT, "conflict", "a product with sku '" + sku + "' already exists");
    }
  }

  private static Products.Product find(TenantDatabase.Tx tx, UUID id) {
    return Products.find(tx.jdbc(), id).orElseThrow(() -> notFound(id));
  }

  private static ProblemException notFound(UUID id) {
    return ApiException.notFound("no product with id " + id);
  }
}
