package com.taskifai.workflows.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemporalConnectionTest {

  @Test
  void namespaceAndTargetComeFromSettings() {
    TemporalConnection c =
        TemporalConnection.fromEnvironment(
            Map.of(
                "TASKIFAI_TEMPORAL_TARGET", "temporal.internal:7233",
                "TASKIFAI_TEMPORAL_NAMESPACE", "taskifai-prod"));
    assertThat(c.clientOptions().getNamespace()).isEqualTo("taskifai-prod");
    WorkflowServiceStubsOptions options = c.serviceOptions();
    assertThat(options.getTarget()).isEqualTo("temporal.internal:7233");
    assertThat(options.getEnableHttps()).isFalse();
    assertThat(options.getSslContext()).isNull();
  }

  @Test
  void anApiKeyImpliesTlsAndIsSentAsMetadataButNeverPrinted() {
    TemporalConnection c =
        TemporalConnection.fromEnvironment(
            Map.of(
                "TASKIFAI_TEMPORAL_TARGET", "ns.acct.tmprl.cloud:7233",
                "TASKIFAI_TEMPORAL_NAMESPACE", "ns.acct",
                "TASKIFAI_TEMPORAL_API_KEY", "very-secret-key"));
    WorkflowServiceStubsOptions options = c.serviceOptions();
    assertThat(options.getEnableHttps()).isTrue();
    assertThat(options.getGrpcMetadataProviders()).hasSize(1);
    assertThat(c.toString()).contains("api key").doesNotContain("very-secret-key");
  }

  @Test
  void mutualTlsNeedsBothCertificateAndKey() {
    assertThatThrownBy(
            () ->
                TemporalConnection.fromEnvironment(
                    Map.of("TASKIFAI_TEMPORAL_TLS_CERT_FILE", "/run/secrets/client.pem")))
        .hasMessageContaining("TASKIFAI_TEMPORAL_TLS_KEY_FILE");
  }

  @Test
  void unreadableTlsFilesAreNamed(@TempDir Path dir) throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "not a certificate");
    TemporalConnection c =
        TemporalConnection.fromEnvironment(Map.of("TASKIFAI_TEMPORAL_TLS_CA_FILE", ca.toString()));
    assertThat(c.tls()).isTrue();
    assertThatThrownBy(c::serviceOptions).hasMessageContaining("TASKIFAI_TEMPORAL_TLS_CA_FILE");
    TemporalConnection missing =
        TemporalConnection.fromEnvironment(
            Map.of(
                "TASKIFAI_TEMPORAL_TLS_CERT_FILE", dir.resolve("absent.pem").toString(),
                "TASKIFAI_TEMPORAL_TLS_KEY_FILE", dir.resolve("absent.key").toString()));
    assertThatThrownBy(missing::serviceOptions).hasMessageContaining("absent.pem");
  }

  @Test
  void withoutSettingsTheLocalServerAndTemporalsDefaultNamespace() {
    TemporalConnection c = TemporalConnection.fromEnvironment(Map.of());
    assertThat(c.target()).isEqualTo(TemporalConnection.DEFAULT_TARGET);
    assertThat(c.namespace()).isEqualTo(TemporalConnection.DEFAULT_NAMESPACE);
    assertThat(c.tls()).isFalse();
  }
}
