package com.taskifai.activities.dns;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.taskifai.activities.ActivitiesConfig;
import com.taskifai.registry.tracing.PlatformTracing;
import com.taskifai.workflows.ports.DnsRecord;
import com.taskifai.workflows.ports.StepInput;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.temporal.failure.ApplicationFailure;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.route53.model.Route53Exception;

/**
 * The real AWS SDK v2 Route 53 client against WireMock speaking Route 53's REST/XML protocol. The
 * assertions read what the fake received, so they fail if the SDK call or the XML is wrong.
 */
class Route53DnsProviderTest {
  private static final String NS = "https://route53.amazonaws.com/doc/2013-04-01/";
  private static final String ZONE = "Z0TESTZONE";
  private static final String RRSET = "/2013-04-01/hostedzone/" + ZONE + "/rrset/";
  private static final String LIST = "/2013-04-01/hostedzone/" + ZONE + "/rrset";
  private static final String TARGET = "router.taskifai.example";

  private static WireMockServer route53;
  private DnsActivitiesImpl dns;
  private Route53DnsProvider provider;
  private final UUID tenantId = UUID.randomUUID();
  private final StepInput input = StepInput.of(tenantId, "acme");

  @BeforeAll
  static void startFake() {
    route53 = new WireMockServer(WireMockConfiguration.options().dynamicPort());
    route53.start();
  }

  @AfterAll
  static void stopFake() {
    route53.stop();
  }

  @BeforeEach
  void setUp() {
    route53.resetAll();
    ActivitiesConfig config =
        ActivitiesConfig.fromEnvironment(Map.of("TASKIFAI_BASE_DOMAIN", "taskifai.example"))
            .withRoute53(ZONE, URI.create(route53.baseUrl()), TARGET);
    provider =
        new Route53DnsProvider(
            Route53DnsProvider.client(
                URI.create(route53.baseUrl()),
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create("AKIDFAKE", "fake-secret-for-the-fake"))),
            "/hostedzone/" + ZONE,
            TARGET,
            300,
            Duration.ofSeconds(5),
            Duration.ofMillis(10));
    dns = new DnsActivitiesImpl(provider, config);
  }

  @Test
  void upsertsTheCnameAndWaitsUntilTheChangeIsInSync() {
    stubChangeAccepted();
    route53.stubFor(
        get(urlPathEqualTo("/2013-04-01/change/C1"))
            .inScenario("sync")
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(xml(200, changeInfo("GetChangeResponse", "PENDING")))
            .willSetStateTo("synced"));
    route53.stubFor(
        get(urlPathEqualTo("/2013-04-01/change/C1"))
            .inScenario("sync")
            .whenScenarioStateIs("synced")
            .willReturn(xml(200, changeInfo("GetChangeResponse", "INSYNC"))));

    DnsRecord record = dns.configureDns(input);

    assertThat(record).isEqualTo(new DnsRecord("acme.taskifai.example", "CNAME", TARGET, 300));
    String body = onlyChangeBody();
    assertThat(body)
        .contains("<Action>UPSERT</Action>")
        .contains("<Name>acme.taskifai.example</Name>")
        .contains("<Type>CNAME</Type>")
        .contains("<TTL>300</TTL>")
        .contains("<Value>" + TARGET + "</Value>");
    route53.verify(2, getRequestedFor(urlPathEqualTo("/2013-04-01/change/C1")));
  }

  @Test
  void retriesAThrottledChangeAndSucceeds() {
    route53.stubFor(
        post(urlPathEqualTo(RRSET))
            .inScenario("throttle")
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(xml(400, error("Throttling", "Rate exceeded")))
            .willSetStateTo("calm"));
    route53.stubFor(
        post(urlPathEqualTo(RRSET))
            .inScenario("throttle")
            .whenScenarioStateIs("calm")
            .willReturn(xml(200, changeInfo("ChangeResourceRecordSetsResponse", "INSYNC"))));

    DnsRecord record = dns.configureDns(input);

    assertThat(record.name()).isEqualTo("acme.taskifai.example");
    route53.verify(2, postRequestedFor(urlPathEqualTo(RRSET)));
  }

  @Test
  void retriesPriorRequestNotComplete() {
    route53.stubFor(
        post(urlPathEqualTo(RRSET))
            .inScenario("prior")
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(xml(400, error("PriorRequestNotComplete", "still working")))
            .willSetStateTo("done"));
    route53.stubFor(
        post(urlPathEqualTo(RRSET))
            .inScenario("prior")
            .whenScenarioStateIs("done")
            .willReturn(xml(200, changeInfo("ChangeResourceRecordSetsResponse", "INSYNC"))));

    dns.configureDns(input);

    route53.verify(2, postRequestedFor(urlPathEqualTo(RRSET)));
  }

  @Test
  void failsRetryablyWhenTheChangeNeverGetsInSync() {
    Route53DnsProvider impatient =
        new Route53DnsProvider(
            Route53DnsProvider.client(
                URI.create(route53.baseUrl()),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDFAKE", "x"))),
            ZONE,
            TARGET,
            300,
            Duration.ofMillis(200),
            Duration.ofMillis(20));
    stubChangeAccepted();
    route53.stubFor(
        get(urlPathEqualTo("/2013-04-01/change/C1"))
            .willReturn(xml(200, changeInfo("GetChangeResponse", "PENDING"))));

    assertThatThrownBy(() -> impatient.upsert(tenantId, "acme.taskifai.example"))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("UNAVAILABLE");
              assertThat(f.isNonRetryable()).isFalse();
            });
  }

  @Test
  void deletesExactlyTheRecordThatStands() {
    stubList(recordSet("acme.taskifai.example.", "CNAME", 60, "old-router.taskifai.example"));
    stubChangeAccepted();
    route53.stubFor(
        get(urlPathEqualTo("/2013-04-01/change/C1"))
            .willReturn(xml(200, changeInfo("GetChangeResponse", "INSYNC"))));

    dns.deleteDns(input);

    String body = onlyChangeBody();
    assertThat(body)
        .contains("<Action>DELETE</Action>")
        .contains("<Name>acme.taskifai.example.</Name>")
        .contains("<TTL>60</TTL>")
        .contains("<Value>old-router.taskifai.example</Value>");
    LoggedRequest list = route53.findAll(getRequestedFor(urlPathEqualTo(LIST))).get(0);
    assertThat(list.queryParameter("name").firstValue()).isEqualTo("acme.taskifai.example");
  }

  @Test
  void aDeleteOfARecordThatIsAlreadyGoneSendsNoChange() {
    // Route 53 lists from the name on: the first record is the next one, not ours.
    stubList(recordSet("acme2.taskifai.example.", "CNAME", 300, TARGET));

    dns.deleteDns(input);
    dns.deleteDns(input);

    route53.verify(0, postRequestedFor(urlPathEqualTo(RRSET)));
    route53.verify(2, getRequestedFor(urlPathEqualTo(LIST)));
  }

  @Test
  void aRecordThatVanishesBetweenReadAndDeleteIsDone() {
    stubList(recordSet("acme.taskifai.example.", "CNAME", 300, TARGET));
    route53.stubFor(
        post(urlPathEqualTo(RRSET))
            .willReturn(
                xml(
                    400,
                    error(
                        "InvalidChangeBatch",
                        "[Tried to delete resource record set [name='acme.taskifai.example.',"
                            + " type='CNAME'] but it was not found]"))));

    dns.deleteDns(input);

    route53.verify(1, postRequestedFor(urlPathEqualTo(RRSET)));
  }

  @Test
  void anotherRejectedDeleteFails() {
    stubList(recordSet("acme.taskifai.example.", "CNAME", 300, TARGET));
    route53.stubFor(
        post(urlPathEqualTo(RRSET))
            .willReturn(xml(400, error("InvalidInput", "Invalid XML ; something is wrong"))));

    assertThatThrownBy(() -> dns.deleteDns(input)).isInstanceOf(Route53Exception.class);
  }

  private String onlyChangeBody() {
    List<LoggedRequest> posts = route53.findAll(postRequestedFor(urlPathEqualTo(RRSET)));
    assertThat(posts).hasSize(1);
    assertThat(posts.get(0).getHeader("Authorization")).contains("AKIDFAKE");
    return posts.get(0).getBodyAsString();
  }

  @Test
  void eachRoute53CallIsAClientSpanWithTheOperationAndStatusButNoRecordName() {
    stubChangeAccepted();
    route53.stubFor(
        get(urlPathEqualTo("/2013-04-01/change/C1"))
            .willReturn(xml(200, changeInfo("GetChangeResponse", "INSYNC"))));
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    List<SpanData> calls;
    try (OpenTelemetrySdk tracing = PlatformTracing.exportingTo(spans, "taskifai-worker");
        Route53DnsProvider traced =
            new Route53DnsProvider(
                Route53DnsProvider.client(
                    URI.create(route53.baseUrl()),
                    StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("AKIDFAKE", "fake-secret-for-the-fake")),
                    tracing),
                ZONE,
                TARGET,
                300,
                Duration.ofSeconds(5),
                Duration.ofMillis(10))) {
      traced.upsert(tenantId, "acme.taskifai.example");
      calls = spans.getFinishedSpanItems();
    }
    assertThat(calls)
        .extracting(SpanData::getName)
        .containsExactly("Route53/ChangeResourceRecordSets", "Route53/GetChange");
    for (SpanData call : calls) {
      assertThat(call.getKind()).isEqualTo(SpanKind.CLIENT);
      assertThat(call.getAttributes().get(AttributeKey.longKey("http.response.status_code")))
          .isEqualTo(200L);
      assertThat(call.getAttributes().toString())
          .doesNotContain("acme")
          .doesNotContain("AKIDFAKE")
          .doesNotContain("fake-secret");
    }
  }

  private void stubChangeAccepted() {
    route53.stubFor(
        post(urlPathEqualTo(RRSET))
            .willReturn(xml(200, changeInfo("ChangeResourceRecordSetsResponse", "PENDING"))));
  }

  private void stubList(String... sets) {
    route53.stubFor(
        get(urlPathEqualTo(LIST))
            .withQueryParam("name", equalTo("acme.taskifai.example"))
            .willReturn(
                xml(
                    200,
                    "<ListResourceRecordSetsResponse xmlns=\""
                        + NS
                        + "\"><ResourceRecordSets>"
                        + String.join("", sets)
                        + "</ResourceRecordSets><IsTruncated>false</IsTruncated>"
                        + "<MaxItems>10</MaxItems></ListResourceRecordSetsResponse>")));
  }

  private static String recordSet(String name, String type, int ttl, String value) {
    return "<ResourceRecordSet><Name>"
        + name
        + "</Name><Type>"
        + type
        + "</Type><TTL>"
        + ttl
        + "</TTL><ResourceRecords><ResourceRecord><Value>"
        + value
        + "</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>";
  }

  private static String changeInfo(String root, String status) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><"
        + root
        + " xmlns=\""
        + NS
        + "\"><ChangeInfo><Id>/change/C1</Id><Status>"
        + status
        + "</Status><SubmittedAt>2026-11-26T12:00:00.000Z</SubmittedAt></ChangeInfo></"
        + root
        + ">";
  }

  private static String error(String code, String message) {
    return "<?xml version=\"1.0\"?><ErrorResponse xmlns=\""
        + NS
        + "\"><Error><Type>Sender</Type><Code>"
        + code
        + "</Code><Message>"
        + message
        + "</Message></Error><RequestId>r-1</RequestId></ErrorResponse>";
  }

  private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder xml(
      int status, String body) {
    return aResponse().withStatus(status).withHeader("Content-Type", "text/xml").withBody(body);
  }
}
