package com.taskifai.api;

import com.taskifai.web.ProblemHandlers;
import com.taskifai.web.Problems;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * Maps every refusal to a problem detail in one place; bad input is a 4xx, never a 500. The
 * refusals and the catch-all come from {@link ProblemHandlers}.
 */
@RestControllerAdvice
class ApiErrors extends ProblemHandlers {
  private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

  @ExceptionHandler(HttpMessageNotReadableException.class)
  ResponseEntity<ProblemDetail> unreadable(HttpMessageNotReadableException e) {
    return refused(
        ApiException.badRequest(
            "the request body is not valid JSON or has a value of the wrong type; send a JSON"
                + " object such as {\"company_name\": \"Acme\", \"subdomain\": \"acme\","
                + " \"admin_email\": \"admin@acme.com\"}"));
  }

  @ExceptionHandler(MethodArgumentTypeMismatchException.class)
  ResponseEntity<ProblemDetail> typeMismatch(MethodArgumentTypeMismatchException e) {
    return refused(
        ApiException.badRequest(
            "'"
                + e.getName()
                + "' has the wrong form"
                + (e.getRequiredType() == java.util.UUID.class ? " (expected a UUID)" : "")));
  }

  @ExceptionHandler(MissingServletRequestParameterException.class)
  ResponseEntity<ProblemDetail> missingParameter(MissingServletRequestParameterException e) {
    return refused(
        ApiException.badRequest("query parameter '" + e.getParameterName() + "' is required"));
  }

  @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
  ResponseEntity<ProblemDetail> mediaType(HttpMediaTypeNotSupportedException e) {
    return Problems.response(
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "send the body as application/json");
  }

  @ExceptionHandler(org.springframework.web.multipart.MaxUploadSizeExceededException.class)
  ResponseEntity<ProblemDetail> tooLarge(RuntimeException e) {
    return Problems.response(
        HttpStatus.CONTENT_TOO_LARGE,
        "too_large",
        "the upload is larger than TASKIFAI_IMPORT_MAX_SIZE allows; import a large database from"
            + " a live source (source_url) instead");
  }

  @ExceptionHandler(org.springframework.web.multipart.MultipartException.class)
  ResponseEntity<ProblemDetail> notMultipart(RuntimeException e) {
    return refused(
        ApiException.badRequest(
            "send the upload as multipart/form-data with the file in the part 'file'"));
  }

  @ExceptionHandler(NoResourceFoundException.class)
  ResponseEntity<ProblemDetail> noResource(NoResourceFoundException e) {
    return refused(ApiException.notFound("no such page or endpoint"));
  }

  /** Seconds a client should wait before it tries again after a dependency outage. */
  static final String RETRY_AFTER_SECONDS = "5";

  private static final Duration RETRY_AFTER =
      Duration.ofSeconds(Long.parseLong(RETRY_AFTER_SECONDS));

  /** Every call to Temporal runs in com.taskifai.api.temporal, which says so when it failed. */
  @ExceptionHandler(TemporalUnavailableException.class)
  ResponseEntity<ProblemDetail> temporal(RuntimeException e) {
    log.warn("Temporal call failed: {}", e.getMessage());
    return Problems.response(
        Problems.of(
            HttpStatus.SERVICE_UNAVAILABLE,
            "temporal_unavailable",
            "the workflow service (Temporal) did not answer; try again shortly"),
        RETRY_AFTER);
  }

  @ExceptionHandler(DataAccessException.class)
  ResponseEntity<ProblemDetail> database(DataAccessException e) {
    if (e.getMostSpecificCause() instanceof java.sql.SQLException sql
        && sql.getSQLState() != null
        && sql.getSQLState().startsWith("22")) {
      // SQL data exceptions (such as a NUL character in a text value) are the input's fault.
      return Problems.response(
          HttpStatus.BAD_REQUEST,
          "bad_request",
          "a value cannot be stored or compared as given (for example it holds a NUL character);"
              + " remove the character or fix the value");
    }
    log.warn("platform database unavailable: {}", e.getClass().getSimpleName());
    return Problems.response(
        Problems.of(
            HttpStatus.SERVICE_UNAVAILABLE,
            "registry_unavailable",
            "the platform database (tenant registry) is not reachable; try again shortly"),
        RETRY_AFTER);
  }
}
