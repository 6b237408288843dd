package com.taskifai.web;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.json.JsonMapper;

/**
 * Builds and writes the one error body of both apps: an RFC 9457 problem detail ({@code
 * application/problem+json}) with {@code type}, {@code title}, {@code status}, {@code detail},
 * {@code instance} and a stable {@code code}. For clients written before problem details, every
 * body also carries {@code error} (same as {@code code}) and {@code message} (same as {@code
 * detail}). Field errors are {@code errors: [{field, message}]}, with the older {@code fields} map
 * kept beside them.
 */
public final class Problems {
  /** The media type of every error body. */
  public static final MediaType PROBLEM_JSON = MediaType.APPLICATION_PROBLEM_JSON;

  private static final JsonMapper JSON = JsonMapper.builder().build();

  /**
   * The members RFC 9457 defines: an extra member under one of these names would repeat the key in
   * the JSON (and a reader keeping the last would see, say, a tenant's status as the HTTP status).
   */
  private static final java.util.Set<String> STANDARD_MEMBERS =
      java.util.Set.of("type", "title", "status", "detail", "instance");

  private Problems() {}

  /**
   * A problem with a code, a detail and extra top-level members (may be empty; none may be named
   * like a member RFC 9457 defines: {@code tenant_status}, not {@code status}).
   */
  public static ProblemDetail of(
      HttpStatusCode status, String code, String detail, Map<String, ?> extra) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    problem.setProperty("code", code);
    problem.setProperty("error", code);
    problem.setProperty("message", detail);
    for (Map.Entry<String, ?> e : extra.entrySet()) {
      if (STANDARD_MEMBERS.contains(e.getKey())) {
        throw new IllegalArgumentException(
            "the extra member " + e.getKey() + " would repeat a problem member; name it otherwise");
      }
      problem.setProperty(e.getKey(), e.getValue());
    }
    if (extra.get("fields") instanceof Map<?, ?> fields && !extra.containsKey("errors")) {
      problem.setProperty("errors", fieldErrors(fields));
    }
    return problem;
  }

  public static ProblemDetail of(HttpStatusCode status, String code, String detail) {
    return of(status, code, detail, Map.of());
  }

  /** {@code [{field, message}]} from a map of field name to what is wrong with it. */
  public static List<Map<String, Object>> fieldErrors(Map<?, ?> fields) {
    List<Map<String, Object>> errors = new ArrayList<>();
    fields.forEach(
        (field, message) -> {
          Map<String, Object> error = new LinkedHashMap<>();
          error.put("field", String.valueOf(field));
          error.put("message", message);
          errors.add(error);
        });
    return errors;
  }

  /** The answer to a refusal, with {@code Retry-After} when the exception says when. */
  public static ResponseEntity<ProblemDetail> response(ProblemException e) {
    return response(e.problem(), e.retryAfter());
  }

  public static ResponseEntity<ProblemDetail> response(
      HttpStatusCode status, String code, String detail) {
    return response(of(status, code, detail), null);
  }

  public static ResponseEntity<ProblemDetail> response(ProblemDetail problem, Duration retryAfter) {
    ResponseEntity.BodyBuilder b = ResponseEntity.status(problem.getStatus());
    if (retryAfter != null) {
      b.header(HttpHeaders.RETRY_AFTER, retryAfterSeconds(retryAfter));
    }
    return b.contentType(PROBLEM_JSON).body(problem);
  }

  /** Whole seconds, at least one. */
  public static String retryAfterSeconds(Duration retryAfter) {
    return Long.toString(Math.max(1, retryAfter.toSeconds()));
  }

  /**
   * Writes a problem from a servlet filter or a security handler, where no controller advice runs.
   * The instance is the request path when given.
   */
  public static void write(HttpServletResponse response, ProblemDetail problem, String path)
      throws IOException {
    if (path != null && problem.getInstance() == null) {
      problem.setInstance(URI.create(path.replaceAll("[^A-Za-z0-9._~/-]", "_")));
    }
    response.setStatus(problem.getStatus());
    response.setContentType(PROBLEM_JSON.toString());
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    response.getWriter().write(JSON.writeValueAsString(flat(problem)));
  }

  /** The members of a problem as one JSON object, properties at the top level. */
  static Map<String, Object> flat(ProblemDetail problem) {
    Map<String, Object> body = new LinkedHashMap<>();
    if (problem.getType() != null) {
      body.put("type", problem.getType().toString());
    }
    body.put("title", problem.getTitle());
    body.put("status", problem.getStatus());
    body.put("detail", problem.getDetail());
    if (problem.getInstance() != null) {
      body.put("instance", problem.getInstance().toString());
    }
    if (problem.getProperties() != null) {
      body.putAll(problem.getProperties());
    }
    return body;
  }
}
