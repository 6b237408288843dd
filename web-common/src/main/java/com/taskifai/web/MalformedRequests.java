package com.taskifai.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.Writer;
import java.util.Locale;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Requests no controller can make sense of answer 400 with a problem document, like every other
 * refusal, instead of a 500 or the servlet container's HTML page. Each app imports it ({@code
 * Import}):
 *
 * <ul>
 *   <li>a filter, first of all, that refuses a {@code multipart/*} body without a boundary, and a
 *       query string the container cannot parse (such as a parameter without a name, {@code ?=x})
 *       or that holds a NUL character;
 *   <li>the error page ({@code /error}, where the container forwards a request refused outside
 *       Spring MVC, such as a path Spring Security's firewall rejects) as a problem document
 *       instead of Spring Boot's JSON;
 *   <li>Tomcat's error report (its answers to requests refused before any filter runs, such as a
 *       Host header with a character a host name cannot hold) written as a problem document.
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
@Import(ProblemErrorController.class)
public class MalformedRequests {

  @Bean
  MalformedRequestFilter malformedRequestFilter() {
    return new MalformedRequestFilter();
  }

  @Bean
  WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemErrorReport() {
    return new ProblemErrorReportCustomizer();
  }

  /** Refuses requests whose framing is broken before anything reads them. */
  static final class MalformedRequestFilter extends OncePerRequestFilter implements Ordered {
    @Override
    public int getOrder() {
      return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    protected void doFilterInternal(
        HttpServletRequest request, HttpServletResponse response, FilterChain chain)
        throws ServletException, IOException {
      String contentType = request.getContentType();
      boolean multipart =
          contentType != null
              && contentType.strip().toLowerCase(Locale.ROOT).startsWith("multipart/");
      if (multipart && !contentType.toLowerCase(Locale.ROOT).contains("boundary=")) {
        refuse(
            request,
            response,
            "a multipart body needs a boundary parameter in Content-Type (multipart/form-data;"
                + " boundary=...); send JSON with Content-Type: application/json unless the"
                + " operation takes a file");
        return;
      }
      String query = request.getQueryString();
      if (query != null && !validQuery(query)) {
        refuse(
            request,
            response,
            "the query string has a parameter without a name or a broken %-escape; send"
                + " name=value pairs joined by &");
        return;
      }
      if (!multipart) {
        try {
          // Parses the query string (and a form body) now, where a failure is the client's.
          boolean nul =
              request.getParameterMap().entrySet().stream()
                  .anyMatch(
                      e ->
                          e.getKey().indexOf('\0') >= 0
                              || java.util.Arrays.stream(e.getValue())
                                  .anyMatch(v -> v != null && v.indexOf('\0') >= 0));
          if (nul) {
            refuse(
                request,
                response,
                "a parameter holds a NUL character (%00), which no value here can hold; remove"
                    + " it");
            return;
          }
        } catch (IllegalStateException e) {
          refuse(
              request,
              response,
              "the request's parameters cannot be read; send name=value pairs joined by &");
          return;
        }
      }
      chain.doFilter(request, response);
    }

    /** Whether every {@code &}-separated chunk has a name and only well-formed %-escapes. */
    static boolean validQuery(String query) {
      for (String chunk : query.split("&", -1)) {
        if (chunk.isEmpty()) {
          continue;
        }
        if (chunk.charAt(0) == '=') {
          return false;
        }
        for (int i = 0; i < chunk.length(); i++) {
          if (chunk.charAt(i) == '%'
              && (i + 2 >= chunk.length()
                  || Character.digit(chunk.charAt(i + 1), 16) < 0
                  || Character.digit(chunk.charAt(i + 2), 16) < 0)) {
            return false;
          }
        }
      }
      return true;
    }

    private static void refuse(
        HttpServletRequest request, HttpServletResponse response, String detail)
        throws IOException {
      Problems.write(
          response,
          Problems.of(HttpStatus.BAD_REQUEST, "bad_request", detail),
          request.getRequestURI());
    }
  }

  /** Puts {@link ProblemErrorReportValve} in place of the host's HTML error report. */
  static final class ProblemErrorReportCustomizer
      implements WebServerFactoryCustomizer<TomcatServletWebServerFactory>, Ordered {
    @Override
    public int getOrder() {
      // After Spring Boot's own customizer, which adds an HTML error report valve.
      return Ordered.LOWEST_PRECEDENCE;
    }

    @Override
    public void customize(TomcatServletWebServerFactory factory) {
      factory.addContextCustomizers(
          context -> {
            var host = context.getParent();
            for (Valve v : host.getPipeline().getValves()) {
              if (v instanceof ErrorReportValve) {
                host.getPipeline().removeValve(v);
              }
            }
            if (host instanceof org.apache.catalina.core.StandardHost standard) {
              standard.setErrorReportValveClass(ProblemErrorReportValve.class.getName());
            }
            host.getPipeline().addValve(new ProblemErrorReportValve());
          });
    }
  }

  /** Tomcat's error report as a problem document: status, title and a generic detail only. */
  public static final class ProblemErrorReportValve extends ErrorReportValve {
    @Override
    protected void report(Request request, Response response, Throwable t) {
      int status = response.getStatus();
      if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
        return;
      }
      HttpStatus known = HttpStatus.resolve(status);
      String title = known == null ? "Error" : known.getReasonPhrase();
      String code = status >= 500 ? ProblemHandlers.INTERNAL_ERROR : "bad_request";
      String detail =
          status >= 500
              ? "the server could not answer this request"
              : "the request is malformed (for example its Host header or request line); send a"
                  + " valid HTTP request";
      String json =
          "{\"title\":\""
              + title
              + "\",\"status\":"
              + status
              + ",\"detail\":\""
              + detail
              + "\",\"code\":\""
              + code
              + "\",\"error\":\""
              + code
              + "\",\"message\":\""
              + detail
              + "\"}";
      try {
        response.setContentType(Problems.PROBLEM_JSON.toString());
        response.setCharacterEncoding("UTF-8");
        Writer writer = response.getReporter();
        if (writer != null) {
          writer.write(json);
          response.finishResponse();
        }
      } catch (IOException | IllegalStateException e) {
        // The connection is gone or the answer was started: nothing more to say.
      }
    }
  }
}
