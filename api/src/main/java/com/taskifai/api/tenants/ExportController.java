package com.taskifai.api.tenants;

import com.taskifai.api.auth.FreshMfa;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * A tenant's exports: request one (fresh MFA, audited), list, show, issue a fresh link (fresh MFA),
 * and download through the link, which works once and expires.
 */
@RestController
@RequestMapping("/admin/tenants/{id}/exports")
class ExportController {
  private final TenantExportService exports;
  private final FreshMfa mfa;

  ExportController(TenantExportService exports, FreshMfa mfa) {
    this.exports = exports;
    this.mfa = mfa;
  }

  @org.springframework.web.bind.annotation.ResponseStatus(HttpStatus.ACCEPTED)
  @PostMapping
  ResponseEntity<Map<String, Object>> request(
      @AuthenticationPrincipal Jwt jwt, @PathVariable UUID id) {
    String actor = mfa.require(jwt);
    return ResponseEntity.status(HttpStatus.ACCEPTED).body(exports.request(id, actor));
  }

  @GetMapping
  Map<String, Object> list(@PathVariable UUID id) {
    List<Map<String, Object>> all = exports.list(id);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("tenant_id", id);
    out.put("exports", all);
    return out;
  }

  @GetMapping("/{exportId}")
  Map<String, Object> show(@PathVariable UUID id, @PathVariable UUID exportId) {
    return exports.show(id, exportId);
  }

  @PostMapping("/{exportId}/link")
  Map<String, Object> newLink(
      @AuthenticationPrincipal Jwt jwt, @PathVariable UUID id, @PathVariable UUID exportId) {
    String actor = mfa.require(jwt);
    return exports.newLink(id, exportId, actor);
  }

  @GetMapping("/{exportId}/download")
  ResponseEntity<StreamingResponseBody> download(
      @PathVariable UUID id,
      @PathVariable UUID exportId,
      @RequestParam(name = "token", required = false) String token) {
    TenantExportService.Download d = exports.download(id, exportId, token);
    ResponseEntity.BodyBuilder answer =
        ResponseEntity.ok()
            .contentType(MediaType.parseMediaType("application/zip"))
            .header(
                HttpHeaders.CONTENT_DISPOSITION,
                ContentDisposition.attachment().filename(d.fileName()).build().toString())
            .header(HttpHeaders.CACHE_CONTROL, "no-store");
    if (d.size() >= 0) {
      answer.contentLength(d.size());
    }
    return answer.body(out -> d.body().writeTo(out));
  }
}
