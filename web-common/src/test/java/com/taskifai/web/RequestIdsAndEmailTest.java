package com.taskifai.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

class RequestIdsAndEmailTest {

  @Test
  void aPlainRequestIdIsKeptAndEchoed() {
    MockHttpServletRequest request = new MockHttpServletRequest();
    request.addHeader("X-Request-Id", "trace-7");
    MockHttpServletResponse response = new MockHttpServletResponse();

    assertThat(RequestIds.assign(request, response)).isEqualTo("trace-7");
    assertThat(response.getHeader("X-Request-Id")).isEqualTo("trace-7");
  }

  @Test
  void aRequestIdThatCouldForgeALogLineIsReplaced() {
    MockHttpServletRequest request = new MockHttpServletRequest();
    request.addHeader("X-Request-Id", "x\n2026-01-01 ERROR forged");
    MockHttpServletResponse response = new MockHttpServletResponse();

    String id = RequestIds.assign(request, response);

    assertThat(id).doesNotContain("\n").doesNotContain("forged").hasSize(36);
    assertThat(response.getHeader("X-Request-Id")).isEqualTo(id);
  }

  @Test
  void oneRuleForEmailAddresses() {
    assertThat(EmailAddresses.isValid(" boss@acme.com ")).isTrue();
    assertThat(EmailAddresses.isValid("o'brien+ops@mail.acme.co.uk")).isTrue();
    assertThat(EmailAddresses.isValid("not-an-address")).isFalse();
    assertThat(EmailAddresses.isValid("a@b")).isFalse();
    assertThat(EmailAddresses.isValid("a b@acme.com")).isFalse();
    assertThat(EmailAddresses.isValid("a@-acme.com")).isFalse();
    assertThat(EmailAddresses.isValid(null)).isFalse();
    assertThat(EmailAddresses.isValid("a@" + "x".repeat(250) + ".com")).isFalse();
  }
}
