package com.taskifai.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.LogContext;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.security.authentication.TestingAuthenticationToken;
import org.springframework.security.core.context.SecurityContextHolder;

class RequestLogContextTest {
  private final RequestLogContext filter = new RequestLogContext();

  @AfterEach
  void clear() {
    SecurityContextHolder.clearContext();
  }

  private Map<String, String> seenDuring(
      MockHttpServletRequest request, MockHttpServletResponse response) throws Exception {
    Map<String, String> seen = new HashMap<>();
    filter.doFilter(
        request,
        response,
        (req, res) -> {
          for (String key :
              List.of(LogContext.REQUEST_ID, LogContext.TENANT_ID, LogContext.ACTOR)) {
            if (MDC.get(key) != null) {
              seen.put(key, MDC.get(key));
            }
          }
        });
    return seen;
  }

  @Test
  void logsCarryTheTenantTheAdminAndARequestIdAndNothingLeaksToTheNextRequest() throws Exception {
    SecurityContextHolder.getContext()
        .setAuthentication(new TestingAuthenticationToken("admin-42", null, "ROLE_PLATFORM_ADMIN"));
    var request =
        new MockHttpServletRequest(
            "POST", "/admin/tenants/1B4E28BA-2FA1-11D2-883F-0016D3CCA427/suspend");
    request.addHeader("X-Request-Id", "trace-7");
    var response = new MockHttpServletResponse();

    Map<String, String> seen = seenDuring(request, response);

    assertThat(seen)
        .containsEntry(LogContext.TENANT_ID, "1b4e28ba-2fa1-11d2-883f-0016d3cca427")
        .containsEntry(LogContext.ACTOR, "admin-42")
        .containsEntry(LogContext.REQUEST_ID, "trace-7");
    assertThat(response.getHeader("X-Request-Id")).isEqualTo("trace-7");
    assertThat(MDC.getCopyOfContextMap() == null || MDC.getCopyOfContextMap().isEmpty()).isTrue();
  }

  @Test
  void replacesARequestIdThatCouldForgeLogLines() throws Exception {
    var request = new MockHttpServletRequest("GET", "/admin/tenants");
    request.addHeader("X-Request-Id", "x\n2026-01-01 ERROR forged");
    var response = new MockHttpServletResponse();

    Map<String, String> seen = seenDuring(request, response);

    assertThat(seen.get(LogContext.REQUEST_ID)).matches("[0-9a-f-]{36}");
    assertThat(seen).doesNotContainKeys(LogContext.TENANT_ID, LogContext.ACTOR);
  }
}
