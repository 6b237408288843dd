package com.taskifai.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockHttpServletResponse;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ProblemsTest {
  private final JsonMapper json = JsonMapper.builder().build();

  @Test
  void anExtraMemberNamedLikeAStandardOneIsRefusedSoNoKeyRepeats() {
    assertThatThrownBy(
            () -> Problems.of(HttpStatus.CONFLICT, "conflict", "busy", Map.of("status", "ACTIVE")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("status");

    ProblemDetail renamed =
        Problems.of(HttpStatus.CONFLICT, "conflict", "busy", Map.of("tenant_status", "ACTIVE"));
    assertThat(renamed.getStatus()).isEqualTo(409);
    assertThat(renamed.getProperties()).containsEntry("tenant_status", "ACTIVE");
  }

  @Test
  void aFilterWritesAProblemWithTheOldMembersBesideTheNew() throws Exception {
    MockHttpServletResponse response = new MockHttpServletResponse();
    Problems.write(
        response, Problems.of(HttpStatus.FORBIDDEN, "forbidden", "say \"why\"\n"), "/api/x y");

    assertThat(response.getStatus()).isEqualTo(403);
    assertThat(response.getContentType()).startsWith("application/problem+json");
    JsonNode body = json.readTree(response.getContentAsString());
    assertThat(body.get("status").asInt()).isEqualTo(403);
    assertThat(body.get("title").asString()).isEqualTo("Forbidden");
    // No "type" member means "about:blank" (RFC 9457): the status says it all.
    assertThat(body.has("type") ? body.get("type").asString() : "about:blank")
        .isEqualTo("about:blank");
    assertThat(body.get("instance").asString()).isEqualTo("/api/x_y");
    assertThat(body.get("code").asString()).isEqualTo("forbidden");
    assertThat(body.get("error").asString()).isEqualTo("forbidden");
    assertThat(body.get("detail").asString()).isEqualTo("say \"why\"\n");
    assertThat(body.get("message").asString()).isEqualTo("say \"why\"\n");
  }

  @Test
  void fieldProblemsAreAListAndTheOldMapStays() throws Exception {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("subdomain", "is taken");
    fields.put("admin_email", "is not an e-mail address");
    ProblemDetail problem =
        new ProblemException(
                HttpStatus.BAD_REQUEST,
                "validation_failed",
                "fix the fields",
                Map.of("fields", fields))
            .problem();
    MockHttpServletResponse response = new MockHttpServletResponse();
    Problems.write(response, problem, null);

    JsonNode body = json.readTree(response.getContentAsString());
    assertThat(body.get("fields").get("subdomain").asString()).isEqualTo("is taken");
    assertThat(body.get("errors")).hasSize(2);
    assertThat(body.get("errors").get(0).get("field").asString()).isEqualTo("subdomain");
    assertThat(body.get("errors").get(1).get("message").asString())
        .isEqualTo("is not an e-mail address");
    assertThat(body.has("instance")).isFalse();
  }

  @Test
  void retryAfterIsWholeSecondsAndAtLeastOne() {
    class Busy extends ProblemException {
      Busy(Duration d) {
        super(HttpStatus.TOO_MANY_REQUESTS, "slow_down", "wait");
        retryAfter(d);
      }
    }
    ResponseEntity<ProblemDetail> soon = Problems.response(new Busy(Duration.ofMillis(10)));
    assertThat(soon.getHeaders().getFirst("Retry-After")).isEqualTo("1");
    ResponseEntity<ProblemDetail> later = Problems.response(new Busy(Duration.ofMillis(7_900)));
    assertThat(later.getHeaders().getFirst("Retry-After")).isEqualTo("7");
    assertThat(later.getStatusCode().value()).isEqualTo(429);
    ResponseEntity<ProblemDetail> none =
        Problems.response(new ProblemException(HttpStatus.CONFLICT, "conflict", "no"));
    assertThat(none.getHeaders().containsHeader("Retry-After")).isFalse();
  }

  @Test
  void theCatchAllIsInternalErrorWithAReferenceAndSpringClientErrorsKeepTheirStatus() {
    ProblemHandlers handlers = new ProblemHandlers() {};
    ResponseEntity<ProblemDetail> fault = handlers.unexpected(new IllegalStateException("boom"));
    assertThat(fault.getStatusCode().value()).isEqualTo(500);
    ProblemDetail body = fault.getBody();
    assertThat(body.getProperties()).containsEntry("code", ProblemHandlers.INTERNAL_ERROR);
    String ref = (String) body.getProperties().get("ref");
    assertThat(body.getDetail()).contains(ref).doesNotContain("boom");

    ResponseEntity<ProblemDetail> notAcceptable =
        handlers.unexpected(
            new org.springframework.web.HttpMediaTypeNotAcceptableException("no such type"));
    assertThat(notAcceptable.getStatusCode().value()).isEqualTo(406);
    assertThat(notAcceptable.getBody().getProperties()).containsEntry("code", "bad_request");
  }
}
