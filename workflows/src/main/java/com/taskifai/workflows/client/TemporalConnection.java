package com.taskifai.workflows.client;

import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.SimpleSslContextBuilder;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Map;
import java.util.function.UnaryOperator;
import javax.net.ssl.TrustManagerFactory;

/**
 * How every platform process (worker, admin API, launcher) reaches Temporal, in one place: the
 * frontend address, the namespace, TLS or mutual TLS, and an API key for a hosted namespace.
 *
 * <ul>
 *   <li>{@code TASKIFAI_TEMPORAL_TARGET}: host:port of the frontend (default 127.0.0.1:7233)
 *   <li>{@code TASKIFAI_TEMPORAL_NAMESPACE}: the namespace (default {@value #DEFAULT_NAMESPACE})
 *   <li>{@code TASKIFAI_TEMPORAL_TLS}: {@code true} for TLS with the JDK's trust store; implied by
 *       any of the files below or an API key
 *   <li>{@code TASKIFAI_TEMPORAL_TLS_CA_FILE}: PEM of the CA that signed the server's certificate
 *   <li>{@code TASKIFAI_TEMPORAL_TLS_CERT_FILE} and {@code TASKIFAI_TEMPORAL_TLS_KEY_FILE}: the
 *       client's certificate chain and PKCS#8 key (PEM) for mutual TLS
 *   <li>{@code TASKIFAI_TEMPORAL_TLS_SERVER_NAME}: the name to check the server's certificate
 *       against when it differs from the target's host
 *   <li>{@code TASKIFAI_TEMPORAL_API_KEY}: an API key sent as a bearer token on every call
 * </ul>
 */
public record TemporalConnection(
    String target,
    String namespace,
    boolean tls,
    String caFile,
    String certFile,
    String keyFile,
    String serverName,
    String apiKey) {

  /**
   * Temporal's own default namespace, used only when {@code TASKIFAI_TEMPORAL_NAMESPACE} is unset.
   */
  public static final String DEFAULT_NAMESPACE = "default";

  public static final String DEFAULT_TARGET = "127.0.0.1:7233";

  /** How often the channel's reconnection back-off is reset while the server is unreachable. */
  public static final java.time.Duration CONNECTION_BACKOFF_RESET = java.time.Duration.ofSeconds(1);

  public TemporalConnection {
    if ((certFile == null) != (keyFile == null)) {
      throw new IllegalArgumentException(
          "TASKIFAI_TEMPORAL_TLS_CERT_FILE and TASKIFAI_TEMPORAL_TLS_KEY_FILE go together (mutual"
              + " TLS)");
    }
    tls = tls || caFile != null || certFile != null || apiKey != null;
  }

  /** A plain connection to a local server (dev, tests). */
  public static TemporalConnection plain(String target, String namespace) {
    return new TemporalConnection(target, namespace, false, null, null, null, null, null);
  }

  /** The connection the environment describes. */
  public static TemporalConnection fromEnvironment(Map<String, String> env) {
    return fromLookup(env::get);
  }

  /**
   * The connection described by {@code lookup}, which maps each {@code TASKIFAI_TEMPORAL_*} name to
   * its value (or null).
   */
  public static TemporalConnection fromLookup(UnaryOperator<String> lookup) {
    UnaryOperator<String> get =
        k -> {
          String v = lookup.apply(k);
          return v == null || v.isBlank() ? null : v.strip();
        };
    String target = get.apply("TASKIFAI_TEMPORAL_TARGET");
    String namespace = get.apply("TASKIFAI_TEMPORAL_NAMESPACE");
    return new TemporalConnection(
        target == null ? DEFAULT_TARGET : target,
        namespace == null ? DEFAULT_NAMESPACE : namespace,
        Boolean.parseBoolean(get.apply("TASKIFAI_TEMPORAL_TLS")),
        get.apply("TASKIFAI_TEMPORAL_TLS_CA_FILE"),
        get.apply("TASKIFAI_TEMPORAL_TLS_CERT_FILE"),
        get.apply("TASKIFAI_TEMPORAL_TLS_KEY_FILE"),
        get.apply("TASKIFAI_TEMPORAL_TLS_SERVER_NAME"),
        get.apply("TASKIFAI_TEMPORAL_API_KEY"));
  }

  /** The service stubs' options: target, TLS and API key. */
  public WorkflowServiceStubsOptions serviceOptions() {
    return serviceBuilder().build();
  }

  private WorkflowServiceStubsOptions.Builder serviceBuilder() {
    WorkflowServiceStubsOptions.Builder b =
        WorkflowServiceStubsOptions.newBuilder()
            .setTarget(target)
            // Reconnect within seconds once a server that was down is back.
            .setGrpcReconnectFrequency(java.time.Duration.ofSeconds(5))
            // While the server is down, gRPC waits longer and longer between connection attempts
            // (1 s growing by 1.6 each); the SDK resets that wait every 10 s by default. Every
            // second here, so a call or poll reaches a server that is back within about a second.
            .setConnectionBackoffResetFrequency(CONNECTION_BACKOFF_RESET)
            // A worker's polls wait for the server instead of failing and backing off (up to a
            // minute, in the SDK's poller): PollsWaitForServer.
            .setGrpcClientInterceptors(java.util.List.of(new PollsWaitForServer()));
    if (tls) {
      if (caFile == null && certFile == null) {
        b.setEnableHttps(true);
      } else {
        b.setSslContext(sslContext());
      }
    }
    if (serverName != null) {
      b.setChannelInitializer(channel -> channel.overrideAuthority(serverName));
    }
    if (apiKey != null) {
      String key = apiKey;
      b.addApiKey(() -> key);
    }
    return b;
  }

  /** New service stubs; they connect lazily, so a process starts before Temporal is reachable. */
  public WorkflowServiceStubs connect() {
    return WorkflowServiceStubs.newServiceStubs(serviceOptions());
  }

  /**
   * Stubs whose every call gives up after {@code callTimeout}, retries included (the SDK's default
   * is to retry for a minute), so a caller can answer quickly while Temporal is down.
   */
  public WorkflowServiceStubs connect(java.time.Duration callTimeout) {
    return WorkflowServiceStubs.newServiceStubs(
        serviceBuilder()
            .setRpcTimeout(callTimeout)
            .setRpcQueryTimeout(callTimeout)
            .setRpcRetryOptions(
                io.temporal.serviceclient.RpcRetryOptions.newBuilder()
                    .setExpiration(callTimeout)
                    .setMaximumInterval(java.time.Duration.ofMillis(500))
                    .validateBuildWithDefaults())
            .build());
  }

  /** The client's options: the namespace. */
  public WorkflowClientOptions clientOptions() {
    return WorkflowClientOptions.newBuilder().setNamespace(namespace).build();
  }

  private io.grpc.netty.shaded.io.netty.handler.ssl.SslContext sslContext() {
    try {
      SimpleSslContextBuilder builder;
      if (certFile != null) {
        try (InputStream cert = Files.newInputStream(Path.of(certFile));
            InputStream key = Files.newInputStream(Path.of(keyFile))) {
          builder = SimpleSslContextBuilder.forPKCS8(cert, key);
          if (caFile != null) {
            builder.setTrustManager(trustManagers(caFile).getTrustManagers()[0]);
          }
          return builder.build();
        }
      }
      builder = SimpleSslContextBuilder.noKeyOrCertChain();
      builder.setTrustManager(trustManagers(caFile).getTrustManagers()[0]);
      return builder.build();
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(
          "cannot read the Temporal TLS files (TASKIFAI_TEMPORAL_TLS_CA_FILE, _CERT_FILE,"
              + " _KEY_FILE): "
              + e.getMessage(),
          e);
    }
  }

  private static TrustManagerFactory trustManagers(String caFile)
      throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = Files.newInputStream(Path.of(caFile))) {
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("ca-" + i++, c);
      }
      if (i == 0) {
        throw new GeneralSecurityException("no certificate in " + caFile);
      }
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    return tmf;
  }

  @Override
  public String toString() {
    // Never the API key.
    return "TemporalConnection["
        + target
        + ", namespace="
        + namespace
        + (tls ? ", tls" : "")
        + (certFile != null ? ", mtls" : "")
        + (apiKey != null ? ", api key" : "")
        + "]";
  }
}
