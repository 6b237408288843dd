package com.taskifai.api;

import com.taskifai.api.health.TemporalHealthIndicator;
import com.taskifai.api.temporal.TemporalCalls;
import com.taskifai.registry.Backups;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.FailedLogins;
import com.taskifai.registry.PlatformAdmins;
import com.taskifai.registry.ReconcileReports;
import com.taskifai.registry.RegistryRepositories;
import com.taskifai.registry.ServerDrains;
import com.taskifai.registry.SubdomainRules;
import com.taskifai.registry.auth.SignInCounters;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.crypto.VerificationTokens;
import com.taskifai.registry.providers.TenantProviders;
import com.taskifai.workflows.client.TemporalConnection;
import com.zaxxer.hikari.HikariDataSource;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/** The platform parts the admin API works with: registry, audit log, keys and Temporal. */
@Configuration(proxyBeanMethods = false)
@Import(RegistryRepositories.class)
class PlatformConfiguration {

  @Bean(destroyMethod = "close")
  HikariDataSource platformDataSource(ApiSettings settings) {
    HikariDataSource ds = new HikariDataSource();
    ds.setPoolName("admin-api-platform");
    ds.setJdbcUrl(settings.dbUrl());
    ds.setUsername(settings.dbUsername());
    ds.setPassword(settings.dbPassword());
    ds.setMaximumPoolSize(10);
    // Start even when the database is not up yet; requests fail with 503 until it is.
    ds.setInitializationFailTimeout(-1);
    // While the database is down a request waits this long for a connection, then answers 503.
    ds.setConnectionTimeout(3_000);
    ds.setValidationTimeout(2_000);
    return ds;
  }

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  PlatformAdmins platformAdmins(DataSource dataSource) {
    return new PlatformAdmins(dataSource);
  }

  @Bean
  ReconcileReports reconcileReports(DataSource dataSource) {
    return new ReconcileReports(dataSource);
  }

  @Bean
  FailedLogins failedLogins(DataSource dataSource, AdminLoginSettings.FailedLogins settings) {
    return new FailedLogins(dataSource, settings.retention(), settings.maxRows());
  }

  @Bean
  DatabaseServers databaseServers(DataSource dataSource) {
    return new DatabaseServers(dataSource);
  }

  @Bean
  Backups backupRecords(DataSource dataSource) {
    return new Backups(dataSource);
  }

  @Bean
  com.taskifai.registry.TenantImports tenantImports(
      DataSource dataSource, com.taskifai.registry.crypto.CredentialCipher cipher) {
    return new com.taskifai.registry.TenantImports(dataSource, cipher);
  }

  /** Uploads of imports: checked, then streamed encrypted into the backup store. */
  @Bean
  com.taskifai.activities.database.ImportStaging importStaging(
      DataSource dataSource,
      com.taskifai.activities.backup.BackupStore store,
      com.taskifai.registry.crypto.CredentialCipher cipher) {
    return new com.taskifai.activities.database.ImportStaging(dataSource, store, cipher);
  }

  @Bean
  TenantProviders tenantProviders(DataSource dataSource) {
    return new TenantProviders(dataSource);
  }

  /** Sign-in limits and back-offs shared with the other API and router processes. */
  @Bean
  SignInCounters signInCounters(DataSource dataSource) {
    return SignInCounters.shared(dataSource);
  }

  @Bean
  KeyRing keyRing(ApiSettings settings) {
    // Only a dev platform may generate its own key file; production must be given its keys.
    return KeyRing.from(settings.masterKeys(), settings.masterKeysFile(), settings.dev());
  }

  @Bean
  CredentialCipher credentialCipher(KeyRing ring) {
    return new CredentialCipher(ring);
  }

  @Bean
  com.taskifai.registry.ProvisioningStarts provisioningStarts(DataSource dataSource) {
    return new com.taskifai.registry.ProvisioningStarts(dataSource);
  }

  @Bean
  com.taskifai.registry.crypto.ExportLinks exportLinks(KeyRing ring) {
    return new com.taskifai.registry.crypto.ExportLinks(ring);
  }

  /**
   * The store the worker writes backups and exports to ({@code TASKIFAI_BACKUP_*}, the same
   * settings as the worker's): the export download reads its archive from there.
   */
  @Bean
  com.taskifai.activities.backup.BackupStore backupStore(
      com.taskifai.registry.settings.PlatformSettings platform,
      org.springframework.core.env.Environment environment) {
    var properties =
        org.springframework.boot.context.properties.bind.Binder.get(environment)
            .bindOrCreate("taskifai.backup", com.taskifai.activities.backup.BackupProperties.class);
    return com.taskifai.activities.backup.BackupSettings.from(properties, platform.pgBin())
        .openStore();
  }

  @Bean
  VerificationTokens verificationTokens(KeyRing ring) {
    return new VerificationTokens(ring);
  }

  @Bean
  SubdomainRules subdomainRules(ApiSettings settings) {
    return new SubdomainRules(settings.baseDomain());
  }

  /** Target and namespace from ApiSettings; TLS and API key from TASKIFAI_TEMPORAL_* names. */
  @Bean
  TemporalConnection temporalConnection(
      ApiSettings settings, org.springframework.core.env.Environment environment) {
    return TemporalConnection.fromLookup(
        name ->
            switch (name) {
              case "TASKIFAI_TEMPORAL_TARGET" -> settings.temporalTarget();
              case "TASKIFAI_TEMPORAL_NAMESPACE" -> settings.temporalNamespace();
              default -> environment.getProperty(name);
            });
  }

  @Bean(destroyMethod = "shutdown")
  WorkflowServiceStubs workflowServiceStubs(TemporalConnection temporal, ApiSettings settings) {
    // Connects lazily: the API starts even when Temporal is not reachable yet. Every call gives up
    // after the call timeout, retries included, so a request answers 503 quickly while Temporal is
    // down; the channel reconnects by itself.
    return temporal.connect(settings.temporalCallTimeout());
  }

  /** With the tracing interceptor when traces are on (RequestTracing's OpenTelemetry). */
  @Bean
  WorkflowClient workflowClient(
      WorkflowServiceStubs stubs,
      TemporalConnection temporal,
      io.opentelemetry.api.OpenTelemetry openTelemetry) {
    return WorkflowClient.newInstance(
        stubs,
        com.taskifai.workflows.client.TemporalTracing.clientOptions(
            temporal.clientOptions(), openTelemetry));
  }

  /** The one deadline every request's call to Temporal runs under (503 when Temporal is down). */
  @Bean
  TemporalCalls temporalCalls(
      WorkflowClient client, ApiSettings settings, TemporalHealthIndicator health) {
    return new TemporalCalls(client, settings.temporalCallTimeout(), health);
  }

  // The platform tables the controllers and services read and change.

  @Bean
  ServerDrains serverDrains(DataSource dataSource) {
    return new ServerDrains(dataSource);
  }
}
