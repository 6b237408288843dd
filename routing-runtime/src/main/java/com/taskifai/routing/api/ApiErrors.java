package com.taskifai.routing.api;

import com.taskifai.web.ProblemHandlers;
import com.taskifai.web.Problems;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.multipart.support.MissingServletRequestPartException;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * Maps every failure to a problem detail; bad input is never a 500. The refusals and the catch-all
 * come from {@link ProblemHandlers}.
 */
@RestControllerAdvice
class ApiErrors extends ProblemHandlers {

  @ExceptionHandler(MaxUploadSizeExceededException.class)
  ResponseEntity<ProblemDetail> tooLarge(MaxUploadSizeExceededException e) {
    return Problems.response(
        HttpStatus.CONTENT_TOO_LARGE,
        "too_large",
        "the file is larger than the upload limit"
            + (e.getMaxUploadSize() > 0 ? " of " + e.getMaxUploadSize() + " bytes" : "")
            + "; split it into smaller files");
  }

  @ExceptionHandler({
    HttpMessageNotReadableException.class,
    MethodArgumentTypeMismatchException.class,
    MissingServletRequestParameterException.class,
    MissingServletRequestPartException.class,
    MultipartException.class
  })
  ResponseEntity<ProblemDetail> badInput(Exception e) {
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
    return Problems.response(HttpStatus.BAD_REQUEST, "bad_request", message);
  }

  @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
  ResponseEntity<ProblemDetail> mediaType(HttpMediaTypeNotSupportedException e) {
    return Problems.response(
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "send " + e.getSupportedMediaTypes());
  }

  @ExceptionHandler(NoResourceFoundException.class)
  ResponseEntity<ProblemDetail> notFound(NoResourceFoundException e) {
    return Problems.response(
        HttpStatus.NOT_FOUND, "not_found", "no such endpoint: /" + e.getResourcePath());
  }

  @ExceptionHandler(DataIntegrityViolationException.class)
  ResponseEntity<ProblemDetail> conflict(DataIntegrityViolationException e) {
    return Problems.response(
        HttpStatus.CONFLICT,
        "conflict",
        "the change conflicts with existing data (a duplicate or a row still in use)");
  }
}
