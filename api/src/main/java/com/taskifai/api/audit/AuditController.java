package com.taskifai.api.audit;

import com.taskifai.api.ApiException;
import com.taskifai.registry.AuditLog;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.UUID;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.ObjectMapper;

/** The platform-wide audit trail, filtered by tenant, actor, action and time. */
@RestController
class AuditController {
  private final AuditLog audit;
  private final ObjectMapper json;

  AuditController(AuditLog audit, ObjectMapper json) {
    this.audit = audit;
    this.json = json;
  }

  @GetMapping("/admin/audit")
  Map<String, Object> query(
      @RequestParam(required = false) UUID tenant,
      @RequestParam(required = false) String actor,
      @RequestParam(required = false) String action,
      @RequestParam(required = false) String from,
      @RequestParam(required = false) String to,
      @RequestParam(defaultValue = "500") int limit) {
    if (limit < 1 || limit > 10_000) {
      throw ApiException.badRequest("limit must be between 1 and 10000");
    }
    AuditLog.Query q =
        new AuditLog.Query(
            tenant,
            blankToNull(actor),
            blankToNull(action),
            instant("from", from),
            instant("to", to),
            limit);
    return Map.of("entries", AuditEntries.of(audit.query(q), json));
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }

  private static Instant instant(String name, String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return Instant.parse(value.strip());
    } catch (DateTimeParseException e) {
      throw ApiException.badRequest(
          name + " must be an ISO-8601 instant such as 2026-01-31T12:00:00Z");
    }
  }
}
