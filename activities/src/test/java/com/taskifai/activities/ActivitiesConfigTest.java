package com.taskifai.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ActivitiesConfigTest {

  @Test
  void theDefaultsServeTheEmbeddedPlatform() {
    ActivitiesConfig c = ActivitiesConfig.defaults();

    assertThat(c.dnsProvider()).isEqualTo(ActivitiesConfig.DnsProviderKind.LOCAL);
    assertThat(c.templateFastPath()).isTrue();
    assertThat(c.setPasswordTokenLifetime()).isEqualTo(Duration.ofHours(72));
    assertThat(c.verificationUrl("T")).isEqualTo("http://localhost:8080/verify-email?token=T");
    assertThat(c.setPasswordUrl("acme", "T"))
        .isEqualTo("http://acme.localhost:8081/set-password?token=T");
  }

  @Test
  void theSetPasswordLinkTakesSchemeAndPortFromTheRouterUrl() {
    ActivitiesConfig c =
        ActivitiesConfig.fromEnvironment(
            Map.of(
                "TASKIFAI_BASE_DOMAIN", "Taskifai.Example.",
                "TASKIFAI_ROUTER_URL", "https://router.taskifai.example/",
                "TASKIFAI_ADMIN_URL", "https://admin.taskifai.example/",
                "TASKIFAI_DNS_TTL", "60",
                "TASKIFAI_TEMPLATE_FAST_PATH", "false"));

    assertThat(c.setPasswordUrl("acme", "T"))
        .isEqualTo("https://acme.taskifai.example/set-password?token=T");
    assertThat(c.verificationUrl("T"))
        .isEqualTo("https://admin.taskifai.example/verify-email?token=T");
    assertThat(c.dnsTtl()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.templateFastPath()).isFalse();
  }

  @Test
  void rejectsAnUnknownDnsProviderAndRoute53WithoutAHostedZone() {
    assertThatThrownBy(
            () -> ActivitiesConfig.fromEnvironment(Map.of("TASKIFAI_DNS_PROVIDER", "bind")))
        .hasMessageContaining("TASKIFAI_DNS_PROVIDER='bind'")
        .hasMessageContaining("must be one of local, route53");
    assertThatThrownBy(
            () -> ActivitiesConfig.fromEnvironment(Map.of("TASKIFAI_DNS_PROVIDER", "route53")))
        .hasMessageContaining("TASKIFAI_DNS_TARGET");
    assertThatThrownBy(
            () ->
                ActivitiesConfig.fromEnvironment(
                    Map.of("TASKIFAI_DNS_PROVIDER", "route53", "TASKIFAI_DNS_TARGET", "r.example")))
        .hasMessageContaining("TASKIFAI_ROUTE53_HOSTED_ZONE_ID");
    ActivitiesConfig route53 =
        ActivitiesConfig.fromEnvironment(
            Map.of(
                "TASKIFAI_DNS_PROVIDER", "Route53",
                "TASKIFAI_DNS_TARGET", "r.example",
                "TASKIFAI_ROUTE53_HOSTED_ZONE_ID", "Z1",
                "TASKIFAI_ROUTE53_ENDPOINT", "http://127.0.0.1:9999"));
    assertThat(route53.dnsProvider()).isEqualTo(ActivitiesConfig.DnsProviderKind.ROUTE53);
    assertThat(route53.route53Endpoint()).hasPort(9999);
  }
}
