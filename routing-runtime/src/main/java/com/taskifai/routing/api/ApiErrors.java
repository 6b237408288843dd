package com.taskifai.routing.api;

import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.multipart.support.MissingServletRequestPartException;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/** Maps every failure to a JSON body {@code {error, message}}; bad input is never a 500. */
@RestControllerAdvice
class ApiErrors {
  private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

  @ExceptionHandler(ApiException.class)
  ResponseEntity<Map<String, Object>> api(ApiException e) {
    ResponseEntity.BodyBuilder b = ResponseEntity.status(e.status());
    if (e.status() == HttpStatus.SERVICE_UNAVAILABLE) {
      b.header(
          "Retry-After",
          e instanceof ApiException.RetryLater later
              ? Long.toString(later.retryAfterSeconds())
              : "1");
    }
    Map<String, Object> body = body(e.error(), e.getMessage());
    if (e.details() != null) {
      body.put("details", e.details());
    }
    return b.body(body);
  }

  @ExceptionHandler(MaxUploadSizeExceededException.class)
  ResponseEntity<Map<String, Object>> tooLarge(MaxUploadSizeExceededException e) {
    return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE)
        .body(
            body(
                "too_large",
                "the file is larger than the upload limit"
                    + (e.getMaxUploadSize() > 0 ? " of " + e.getMaxUploadSize() + " bytes" : "")
                    + "; split it into smaller files"));
  }

  @ExceptionHandler({
    HttpMessageNotReadableException.class,
    MethodArgumentTypeMismatchException.class,
    MissingServletRequestParameterException.class,
    MissingServletRequestPartException.class,
    MultipartException.class
  })
  ResponseEntity<Map<String, Object>> badInput(Exception e) {
    String message;
    if (e instanceof MethodArgumentTypeMismatchException m) {
      message = "parameter '" + m.getName() + "' has the wrong form";
    } else if (e instanceof MissingServletRequestParameterException m) {
      message = "parameter '" + m.getParameterName() + "' is required";
    } else if (e instanceof MissingServletRequestPartException m) {
      message = "multipart part '" + m.getRequestPartName() + "' is required";
    } else if (e instanceof MultipartException) {
      message = "the request must be multipart/form-data with a file part";
    } else {
      message = "the request body is not valid JSON of the expected shape";
    }
    return ResponseEntity.badRequest().body(body("bad_request", message));
  }

  @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
  ResponseEntity<Map<String, Object>> mediaType(HttpMediaTypeNotSupportedException e) {
    return ResponseEntity.status(HttpStatus.UNSUPPORTED_MEDIA_TYPE)
        .body(body("unsupported_media_type", "send " + e.getSupportedMediaTypes()));
  }

  @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
  ResponseEntity<Map<String, Object>> method(HttpRequestMethodNotSupportedException e) {
    return ResponseEntity.status(HttpStatus.METHOD_NOT_ALLOWED)
        .body(body("method_not_allowed", e.getMethod() + " is not supported here"));
  }

  @ExceptionHandler(NoResourceFoundException.class)
  ResponseEntity<Map<String, Object>> notFound(NoResourceFoundException e) {
    return ResponseEntity.status(HttpStatus.NOT_FOUND)
        .body(body("not_found", "no such endpoint: /" + e.getResourcePath()));
  }

  @ExceptionHandler(DataIntegrityViolationException.class)
  ResponseEntity<Map<String, Object>> conflict(DataIntegrityViolationException e) {
    return ResponseEntity.status(HttpStatus.CONFLICT)
        .body(
            body(
                "conflict",
                "the change conflicts with existing data (a duplicate or a row still in use)"));
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<Map<String, Object>> unexpected(Exception e) {
    if (e instanceof ErrorResponse standard && standard.getStatusCode().is4xxClientError()) {
      // Spring MVC's own client errors (no such endpoint, not acceptable, ...) keep their status.
      String detail = standard.getBody().getDetail();
      return ResponseEntity.status(standard.getStatusCode())
          .body(
              body(
                  standard.getStatusCode().value() == 404 ? "not_found" : "bad_request",
                  detail == null ? "the request cannot be served" : detail));
    }
    log.error("unexpected failure", e);
    return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR)
        .body(body("internal", "an unexpected error happened; it has been logged"));
  }

  static Map<String, Object> body(String error, String message) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("error", error);
    m.put("message", message);
    return m;
  }
}
