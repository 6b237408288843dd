package com.taskifai.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SubdomainRulesTest {
  private final SubdomainRules prod = new SubdomainRules("taskifai.com");
  private final SubdomainRules dev = new SubdomainRules("localhost");

  /** Host header → expected tenant subdomain ('-' means none), for the production base domain. */
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      nullValues = "NULL",
      value = {
        "customer1.taskifai.com|customer1",
        "demo.taskifai.com|demo",
        "acme.taskifai.com:443|acme",
        "acme.taskifai.com:8081|acme",
        "ACME.TaskifAI.com|acme",
        "acme.taskifai.com.|acme",
        "acme.taskifai.com.:8443|acme",
        "a-b-c.taskifai.com|a-b-c",
        "abc.taskifai.com|abc",
        "12345.taskifai.com|12345",
        "  acme.taskifai.com  |acme",
        "taskifai.com|-",
        "taskifai.com.|-",
        "www.taskifai.com|-",
        "api.taskifai.com|-",
        "admin.taskifai.com|-",
        "app.taskifai.com|-",
        "staging.taskifai.com|-",
        "mail.taskifai.com|-",
        "status.taskifai.com|-",
        "docs.taskifai.com|-",
        "ab.taskifai.com|-",
        "-acme.taskifai.com|-",
        "acme-.taskifai.com|-",
        "xn--caf-dma.taskifai.com|-",
        "acme_corp.taskifai.com|-",
        "a.b.taskifai.com|-",
        "x.acme.taskifai.com|-",
        "acme.taskifai.co|-",
        "acme.evil.com|-",
        "acme.taskifai.com.evil.com|-",
        "acmetaskifai.com|-",
        "127.0.0.1|-",
        "127.0.0.1:8081|-",
        "[::1]:8081|-",
        "::1|-",
        "10.0.0.1.taskifai.com|-",
        "acme.taskifai.com:http|-",
        "acme.taskifai.com:|-",
        "acme.taskifai.com:99999999|-",
        "café.taskifai.com|-",
        "ＡＣＭＥ.taskifai.com|-",
        "''|-",
        "NULL|-",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.taskifai.com|-",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.taskifai.com|aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "acme..taskifai.com|-",
        ".taskifai.com|-",
      })
  void mapsHostHeadersToTenantSubdomains(String host, String expected) {
    Optional<String> want = "-".equals(expected) ? Optional.empty() : Optional.of(expected);
    assertThat(prod.subdomainOf(host)).isEqualTo(want);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "acme.localhost:8081|acme",
        "acme.localhost|acme",
        "localhost:8081|-",
        "acme.taskifai.com|-",
      })
  void usesTheConfiguredBaseDomainInDev(String host, String expected) {
    Optional<String> want = "-".equals(expected) ? Optional.empty() : Optional.of(expected);
    assertThat(dev.subdomainOf(host)).isEqualTo(want);
  }

  @ParameterizedTest
  @ValueSource(strings = {"Acme", "ACME", "ac me", "acme!", "ümlaut", "a", "ab"})
  void refusesRequestedSubdomainsThatAreNotLowerCaseAsciiOfTheRightLength(String subdomain) {
    assertThat(prod.problem(subdomain)).isPresent();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "www|reserved",
        "ab|3 to 50",
        "-abc|hyphen",
        "abc-|hyphen",
        "xn--abc|xn--",
        "ab_c|lower-case letters",
      })
  void explainsWhatToFix(String subdomain, String hint) {
    assertThat(prod.problem(subdomain)).get().asString().contains(hint);
  }

  @org.junit.jupiter.api.Test
  void extractGivesTheRawLabelSoCallersCanTellMalformedFromUnknown() {
    assertThat(prod.extract("bad_label.taskifai.com")).contains("bad_label");
    assertThat(prod.subdomainOf("bad_label.taskifai.com")).isEmpty();
    assertThat(prod.extract("a.b.taskifai.com")).isEmpty();
  }
}
