package com.taskifai.api.audit;

import com.taskifai.registry.AuditLog;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** Audit rows as the API shows them, with the detail as a JSON object rather than a string. */
public final class AuditEntries {
  private AuditEntries() {}

  /** One audit row in an API answer. */
  public record View(
      long id,
      UUID tenantId,
      String actor,
      String action,
      String step,
      String outcome,
      JsonNode detail,
      Instant at) {}

  public static List<View> of(List<AuditLog.Entry> entries, ObjectMapper json) {
    return entries.stream()
        .map(
            e ->
                new View(
                    e.id(),
                    e.tenantId(),
                    e.actor(),
                    e.action(),
                    e.step(),
                    e.outcome(),
                    parse(e.detailJson(), json),
                    e.at()))
        .toList();
  }

  private static JsonNode parse(String detail, ObjectMapper json) {
    try {
      return detail == null ? null : json.readTree(detail);
    } catch (RuntimeException e) {
      return json.getNodeFactory().stringNode(detail);
    }
  }
}
