package com.taskifai.routing.api;

import com.taskifai.routing.tenancy.RoutedTenant;
import com.taskifai.routing.tenancy.RouterMetrics;
import com.taskifai.routing.tenancy.TenantDatabase;
import com.taskifai.routing.tenancy.TenantUser;
import com.taskifai.tenantschema.VendorConfig;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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
  Page<Sellout.Entry> list(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestAttribute(TenantUser.ATTRIBUTE) TenantUser user,
      @RequestParam(required = false) String vendor,
      @RequestParam(required = false) String product,
      @RequestParam(required = false) String period,
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) Integer offset) {
    int l = Page.limit(limit);
    int o = Page.offset(offset);
    if (period != null && !period.isBlank() && period.length() > 20) {
      throw ApiException.badRequest("period must be a period label such as 2026-03");
    }
    Sellout.Filter filter =
        new Sellout.Filter(stripped(vendor), stripped(product), stripped(period));
    return db.inTransaction(tenant, user, tx -> Sellout.page(tx.jdbc(), filter, l, o));
  }

  /** Upload batches (own, or all for an admin), newest first. */
  @GetMapping("/api/sellout/uploads")
  List<Sellout.Batch> uploads(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestAttribute(TenantUser.ATTRIBUTE) TenantUser user) {
    return db.inTransaction(tenant, user, tx -> Sellout.batches(tx.jdbc()));
  }

  @PostMapping("/api/sellout/uploads")
  @ResponseStatus(HttpStatus.CREATED)
  Sellout.Stored upload(
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
                    VendorConfigs.load(tx.jdbc(), json, vendor.strip())
                        .orElseThrow(
                            () ->
                                ApiException.badRequest(
                                    "unknown vendor '"
                                        + vendor
                                        + "'; GET /api/vendor-configs lists the vendors")),
                    VendorConfigs.currencies(tx.jdbc())));
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
    Sellout.Stored out =
        db.inTransaction(
            tenant, user, tx -> Sellout.store(tx, inputs.config(), name, parsed.entries()));
    metrics.uploadRows(tenant.id(), out.rows());
    metrics.uploadBytes(tenant.id(), file.getSize());
    return out;
  }

  /** The text stripped, or null when it is null or blank. */
  private static String stripped(String text) {
    return text == null || text.isBlank() ? null : text.strip();
  }
}
