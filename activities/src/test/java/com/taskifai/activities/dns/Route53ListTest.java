package com.taskifai.activities.dns;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The reconciler's listing of a Route 53 zone: every page is read, and only A, AAAA and CNAME
 * records come back, in canonical form.
 */
class Route53ListTest {
  private static final String NS = "https://route53.amazonaws.com/doc/2013-04-01/";
  private static final String LIST = "/2013-04-01/hostedzone/Z0LIST/rrset";
  private final WireMockServer route53 =
      new WireMockServer(WireMockConfiguration.options().dynamicPort());

  @AfterEach
  void stop() {
    route53.stop();
  }

  @Test
  void listsEveryPageAndOnlyTenantRecordTypes() {
    route53.start();
    route53.stubFor(
        get(urlPathEqualTo(LIST))
            .withQueryParam("name", absent())
            .willReturn(
                page(
                    set("taskifai.example.", "SOA", "ns.example. admin.example. 1 2 3 4 5")
                        + set("taskifai.example.", "NS", "ns.example.")
                        + set("Acme.taskifai.example.", "CNAME", "router.taskifai.example"),
                    "<IsTruncated>true</IsTruncated><NextRecordName>ghost.taskifai.example."
                        + "</NextRecordName><NextRecordType>A</NextRecordType>")));
    route53.stubFor(
        get(urlPathEqualTo(LIST))
            .withQueryParam("name", equalTo("ghost.taskifai.example."))
            .willReturn(
                page(
                    set("ghost.taskifai.example.", "A", "192.0.2.1")
                        + set("ghost.taskifai.example.", "TXT", "\"hello\""),
                    "<IsTruncated>false</IsTruncated>")));
    Route53DnsProvider provider =
        new Route53DnsProvider(
            Route53DnsProvider.client(
                URI.create(route53.baseUrl()),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDFAKE", "fake"))),
            "Z0LIST",
            "router.taskifai.example",
            300,
            Duration.ofSeconds(5),
            Duration.ofMillis(10));

    assertThat(provider.list())
        .extracting(DnsProvider.Published::name)
        .containsExactly("acme.taskifai.example", "ghost.taskifai.example");
    route53.verify(2, getRequestedFor(urlPathEqualTo(LIST)));
  }

  private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder page(
      String sets, String tail) {
    return aResponse()
        .withStatus(200)
        .withHeader("Content-Type", "text/xml")
        .withBody(
            "<ListResourceRecordSetsResponse xmlns=\""
                + NS
                + "\"><ResourceRecordSets>"
                + sets
                + "</ResourceRecordSets>"
                + tail
                + "<MaxItems>100</MaxItems></ListResourceRecordSetsResponse>");
  }

  private static String set(String name, String type, String value) {
    return "<ResourceRecordSet><Name>"
        + name
        + "</Name><Type>"
        + type
        + "</Type><TTL>300</TTL><ResourceRecords><ResourceRecord><Value>"
        + value
        + "</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>";
  }
}
