package com.taskifai.activities.dns;

import com.taskifai.activities.StepFailure;
import com.taskifai.registry.tracing.PlatformTracing;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.ports.DnsRecord;
import io.opentelemetry.api.OpenTelemetry;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.Route53ClientBuilder;
import software.amazon.awssdk.services.route53.model.Change;
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.ChangeInfo;
import software.amazon.awssdk.services.route53.model.ChangeStatus;
import software.amazon.awssdk.services.route53.model.ResourceRecord;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;
import software.amazon.awssdk.services.route53.model.Route53Exception;

/**
 * Amazon Route 53 through the AWS SDK v2: an UPSERT of {@code <subdomain>.<base domain>} in the
 * configured hosted zone, then a wait until the change is INSYNC; on undo a DELETE of exactly the
 * record that stands (read first, since Route 53 deletes only an exact match). Throttling ({@code
 * Throttling}, {@code PriorRequestNotComplete}) is retried by the SDK's standard retry mode.
 */
public final class Route53DnsProvider implements DnsProvider, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Route53DnsProvider.class);
  private static final Set<String> TENANT_TYPES = Set.of("A", "AAAA", "CNAME");

  private final Route53Client client;
  private final String hostedZoneId;
  private final String target;
  private final long ttlSeconds;
  private final Duration syncTimeout;
  private final Duration pollInterval;

  public Route53DnsProvider(
      Route53Client client,
      String hostedZoneId,
      String target,
      long ttlSeconds,
      Duration syncTimeout,
      Duration pollInterval) {
    this.client = client;
    this.hostedZoneId = hostedZoneId.replaceFirst("^/?hostedzone/", "");
    this.target = target;
    this.ttlSeconds = ttlSeconds;
    this.syncTimeout = syncTimeout;
    this.pollInterval = pollInterval;
  }

  /**
   * A client for the global Route 53 endpoint, or for {@code endpoint} when given (a fake in tests
   * or a proxy), with the SDK's standard retries (which include Route 53's throttling codes).
   */
  public static Route53Client client(URI endpoint, AwsCredentialsProvider credentials) {
    return client(endpoint, credentials, OpenTelemetry.noop());
  }

  /** As above, with a client span per call ({@link Route53Spans}) when traces are on. */
  public static Route53Client client(
      URI endpoint, AwsCredentialsProvider credentials, OpenTelemetry tracing) {
    ClientOverrideConfiguration.Builder overrides =
        ClientOverrideConfiguration.builder().retryStrategy(RetryMode.STANDARD);
    if (PlatformTracing.isOn(tracing)) {
      overrides.addExecutionInterceptor(new Route53Spans(tracing));
    }
    Route53ClientBuilder builder =
        Route53Client.builder()
            .region(Region.AWS_GLOBAL)
            .httpClientBuilder(ApacheHttpClient.builder())
            .credentialsProvider(
                credentials == null ? DefaultCredentialsProvider.builder().build() : credentials)
            .overrideConfiguration(overrides.build());
    if (endpoint != null) {
      builder.endpointOverride(endpoint);
    }
    return builder.build();
  }

  @Override
  public DnsRecord upsert(UUID tenantId, String name) {
    String type = DnsProvider.recordType(target);
    ResourceRecordSet set =
        ResourceRecordSet.builder()
            .name(DnsProvider.canonical(name))
            .type(type)
            .ttl(ttlSeconds)
            .resourceRecords(ResourceRecord.builder().value(target).build())
            .build();
    ChangeInfo change = change(tenantId, ChangeAction.UPSERT, List.of(set));
    awaitInSync(change);
    return new DnsRecord(DnsProvider.canonical(name), type, target, ttlSeconds);
  }

  @Override
  public void delete(UUID tenantId, String name) {
    String wanted = DnsProvider.canonical(name);
    List<ResourceRecordSet> standing =
        client
            .listResourceRecordSets(
                b -> b.hostedZoneId(hostedZoneId).startRecordName(wanted).maxItems("10"))
            .resourceRecordSets()
            .stream()
            .filter(s -> DnsProvider.canonical(s.name()).equals(wanted))
            .filter(s -> TENANT_TYPES.contains(s.typeAsString()))
            .toList();
    if (standing.isEmpty()) {
      log.info("no DNS record for {} in zone {}: nothing to delete", wanted, hostedZoneId);
      return;
    }
    try {
      awaitInSync(change(tenantId, ChangeAction.DELETE, standing));
    } catch (Route53Exception e) {
      if (isNotFound(e)) {
        // Someone deleted it between our read and our change: the record is gone, which is done.
        log.info("DNS record {} vanished before the delete: done", wanted);
        return;
      }
      throw e;
    }
  }

  @Override
  public List<Published> list() {
    return client
        .listResourceRecordSetsPaginator(b -> b.hostedZoneId(hostedZoneId))
        .resourceRecordSets()
        .stream()
        .filter(s -> TENANT_TYPES.contains(s.typeAsString()))
        .map(s -> new Published(DnsProvider.canonical(s.name()), null))
        .toList();
  }

  private ChangeInfo change(UUID tenantId, ChangeAction action, List<ResourceRecordSet> sets) {
    return client
        .changeResourceRecordSets(
            b ->
                b.hostedZoneId(hostedZoneId)
                    .changeBatch(
                        cb ->
                            cb.comment("taskifai tenant " + tenantId)
                                .changes(
                                    sets.stream()
                                        .map(
                                            s ->
                                                Change.builder()
                                                    .action(action)
                                                    .resourceRecordSet(s)
                                                    .build())
                                        .toList())))
        .changeInfo();
  }

  /**
   * Polls GetChange until INSYNC; past the timeout a retryable failure (the UPSERT may be redone).
   */
  private void awaitInSync(ChangeInfo change) {
    long deadline = System.nanoTime() + syncTimeout.toNanos();
    ChangeInfo info = change;
    while (info.status() != ChangeStatus.INSYNC) {
      if (System.nanoTime() > deadline) {
        throw StepFailure.of(
            FailureType.UNAVAILABLE,
            "Route 53 change " + change.id() + " is not INSYNC after " + syncTimeout);
      }
      try {
        Thread.sleep(pollInterval.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw StepFailure.of(FailureType.UNAVAILABLE, "interrupted waiting for Route 53");
      }
      String id = change.id().replaceFirst("^/?change/", "");
      info = client.getChange(b -> b.id(id)).changeInfo();
    }
  }

  private static boolean isNotFound(Route53Exception e) {
    String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    return ("InvalidChangeBatch".equals(code)
            || e
                instanceof software.amazon.awssdk.services.route53.model.InvalidChangeBatchException
            || code == null)
        && message.contains("not found");
  }

  @Override
  public void close() {
    client.close();
  }
}
