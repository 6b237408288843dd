package com.taskifai.api;

import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/** Maps every refusal to a JSON answer in one place; bad input is a 4xx, never a 500. */
@RestControllerAdvice
class ApiErrors {
  private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

  @ExceptionHandler(ApiException.class)
  ResponseEntity<Map<String, Object>> refused(ApiException e) {
    ResponseEntity.BodyBuilder b = ResponseEntity.status(e.status());
    if (e.retryAfter() != null) {
      b.header("Retry-After", Long.toString(Math.max(1, e.retryAfter().toSeconds())));
    }
    return b.body(e.body());
  }

  @ExceptionHandler(HttpMessageNotReadableException.class)
  ResponseEntity<Map<String, Object>> unreadable(HttpMessageNotReadableException e) {
    return refused(
        ApiException.badRequest(
            "the request body is not valid JSON or has a value of the wrong type; send a JSON"
                + " object such as {\"company_name\": \"Acme\", \"subdomain\": \"acme\","
                + " \"admin_email\": \"admin@acme.com\"}"));
  }

  @ExceptionHandler(MethodArgumentTypeMismatchException.class)
  ResponseEntity<Map<String, Object>> typeMismatch(MethodArgumentTypeMismatchException e) {
    return refused(
        ApiException.badRequest(
            "'"
                + e.getName()
                + "' has the wrong form"
                + (e.getRequiredType() == java.util.UUID.class ? " (expected a UUID)" : "")));
  }

  @ExceptionHandler(MissingServletRequestParameterException.class)
  ResponseEntity<Map<String, Object>> missingParameter(MissingServletRequestParameterException e) {
    return refused(
        ApiException.badRequest("query parameter '" + e.getParameterName() + "' is required"));
  }

  @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
  ResponseEntity<Map<String, Object>> mediaType(HttpMediaTypeNotSupportedException e) {
    return ResponseEntity.status(HttpStatus.UNSUPPORTED_MEDIA_TYPE)
        .body(
            new ApiException(
                    HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "send the body as application/json")
                .body());
  }

  @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
  ResponseEntity<Map<String, Object>> method(HttpRequestMethodNotSupportedException e) {
    return ResponseEntity.status(HttpStatus.METHOD_NOT_ALLOWED)
        .body(
            new ApiException(
                    HttpStatus.METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                    e.getMethod() + " is not supported here")
                .body());
  }

  @ExceptionHandler(NoResourceFoundException.class)
  ResponseEntity<Map<String, Object>> noResource(NoResourceFoundException e) {
    return refused(ApiException.notFound("no such page or endpoint"));
  }

  /** Seconds a client should wait before it tries again after a dependency outage. */
  static final String RETRY_AFTER_SECONDS = "5";

  @ExceptionHandler({
    TemporalUnavailableException.class,
    io.grpc.StatusRuntimeException.class,
    io.temporal.client.WorkflowServiceException.class
  })
  ResponseEntity<Map<String, Object>> temporal(RuntimeException e) {
    log.warn("Temporal call failed: {}", e.getMessage());
    return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
        .header("Retry-After", RETRY_AFTER_SECONDS)
        .body(
            new ApiException(
                    HttpStatus.SERVICE_UNAVAILABLE,
                    "temporal_unavailable",
                    "the workflow service (Temporal) did not answer; try again shortly")
                .body());
  }

  @ExceptionHandler(DataAccessException.class)
  ResponseEntity<Map<String, Object>> database(DataAccessException e) {
    log.warn("platform database unavailable: {}", e.getClass().getSimpleName());
    return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
        .header("Retry-After", RETRY_AFTER_SECONDS)
        .body(
            new ApiException(
                    HttpStatus.SERVICE_UNAVAILABLE,
                    "registry_unavailable",
                    "the platform database (tenant registry) is not reachable; try again shortly")
                .body());
  }

  /** Anything else: Spring's own 4xx keep their status; a real fault is a 500 with a reference. */
  @ExceptionHandler(Exception.class)
  ResponseEntity<Map<String, Object>> unexpected(Exception e) {
    if (e instanceof org.springframework.web.ErrorResponse known) {
      HttpStatus status = HttpStatus.resolve(known.getStatusCode().value());
      if (status != null && status.is4xxClientError()) {
        return ResponseEntity.status(status)
            .body(new ApiException(status, "bad_request", known.getBody().getDetail()).body());
      }
    }
    String ref = java.util.UUID.randomUUID().toString();
    log.error("unexpected error (ref {})", ref, e);
    return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR)
        .body(
            new ApiException(
                    HttpStatus.INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "something went wrong on the server; the log has the details under ref " + ref)
                .body());
  }
}
