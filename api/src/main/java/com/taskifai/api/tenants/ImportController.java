package com.taskifai.api.tenants;

import com.taskifai.activities.database.ImportStaging;
import com.taskifai.api.auth.FreshMfa;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * Imports of a customer's data into a tenant: an uploaded file (multipart part {@code file}, a
 * pg_dump in custom or plain format, an export archive or a CSV bundle; {@code format} optional) or
 * a live database ({@code {"source_url": "postgresql://..."}}). Fresh MFA, as restores demand.
 */
@RestController
@RequestMapping("/admin/tenants/{id}/imports")
class ImportController {
  private final TenantImportService imports;
  private final FreshMfa mfa;

  ImportController(TenantImportService imports, FreshMfa mfa) {
    this.imports = imports;
    this.mfa = mfa;
  }

  record LiveImport(String sourceUrl) {}

  @org.springframework.web.bind.annotation.ResponseStatus(HttpStatus.ACCEPTED)
  @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
  ResponseEntity<TenantImportService.Started> upload(
      @AuthenticationPrincipal Jwt jwt,
      @PathVariable UUID id,
      @RequestPart(value = "file", required = false) MultipartFile file,
      @RequestParam(value = "format", required = false) String format) {
    String actor = mfa.require(jwt);
    // The servlet container has spooled the part to a temporary file (deleted when the request
    // ends); it is read from there as a stream, never into one array.
    ImportStaging.Upload upload =
        file == null
            ? null
            : new ImportStaging.Upload() {
              @Override
              public InputStream open() throws IOException {
                return file.getInputStream();
              }

              @Override
              public long size() {
                return file.getSize();
              }
            };
    return ResponseEntity.status(HttpStatus.ACCEPTED)
        .body(
            imports.importFile(
                id, actor, file == null ? null : file.getOriginalFilename(), upload, format));
  }

  @org.springframework.web.bind.annotation.ResponseStatus(HttpStatus.ACCEPTED)
  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<TenantImportService.Started> live(
      @AuthenticationPrincipal Jwt jwt,
      @PathVariable UUID id,
      @RequestBody(required = false) LiveImport body) {
    String actor = mfa.require(jwt);
    return ResponseEntity.status(HttpStatus.ACCEPTED)
        .body(imports.importLive(id, actor, body == null ? null : body.sourceUrl()));
  }

  /** Progress of an import: step, outcome, and a refused input's report. */
  @GetMapping("/{importId}")
  Map<String, Object> progress(@PathVariable UUID id, @PathVariable String importId) {
    return imports.progress(id, importId);
  }
}
