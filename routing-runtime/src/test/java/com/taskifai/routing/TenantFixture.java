package com.taskifai.routing;

import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.tenantschema.SetPasswordTokens;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.tenantschema.TrialSchema;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Tenants made the way provisioning makes them, without Temporal: registry row, owner and app
 * roles, the tenant database, schema, grants, vendor configs, RLS, first admin, encrypted
 * credentials, status ACTIVE.
 */
final class TenantFixture {
  final String masterKeys = KeyRing.newKeyEntry("test1");
  final TestPostgres.Platform platform;
  final CredentialCipher cipher;
  final TenantRegistry registry;
  private String template;
  private String templateOwner;

  /** A tenant ready to serve, with its admin's one-time set-password token. */
  record TestTenant(
      UUID id,
      String subdomain,
      String database,
      String appRole,
      UUID adminId,
      String adminEmail,
      String adminSetPasswordToken) {}

  TenantFixture() {
    this(TestPostgres.platform());
  }

  /** Tenants registered in the given platform database (their own databases stay shared). */
  TenantFixture(TestPostgres.Platform platform) {
    this.platform = platform;
    cipher = new CredentialCipher(KeyRing.parse(masterKeys));
    registry = new TenantRegistry(platform.platform());
  }

  /** A tenant built step by step, as the provisioning workflow does. */
  TestTenant create(String subdomain) {
    UUID id = UUID.randomUUID();
    String hex = id.toString().replace("-", "");
    String owner = "t_" + hex.substring(0, 12) + "_owner";
    String database = "tenant_" + hex;
    createDatabase(database, owner, null);
    DataSource admin = TestPostgres.superuser(database);
    TenantSchema.migrate(admin, owner);
    TenantSchema.seedVendorConfigs(admin, owner);
    TenantSchema.applyRls(admin, owner);
    return finish(id, subdomain, database, owner);
  }

  /** A tenant whose database is a copy of a migrated template: quick, for many tenants. */
  synchronized TestTenant createFromTemplate(String subdomain) {
    if (template == null) {
      template = TestPostgres.createDatabase("tenant_template");
      templateOwner = "t_tpl" + UUID.randomUUID().toString().substring(0, 8) + "_owner";
      TestPostgres.execute(
          TestPostgres.superuser("postgres"), "CREATE ROLE " + templateOwner + " NOLOGIN");
      DataSource admin = TestPostgres.superuser(template);
      TenantSchema.migrate(admin, templateOwner);
      TenantSchema.seedVendorConfigs(admin, templateOwner);
      TenantSchema.applyRls(admin, templateOwner);
    }
    UUID id = UUID.randomUUID();
    String database = "tenant_" + id.toString().replace("-", "");
    createDatabase(database, null, template);
    return finish(id, subdomain, database, templateOwner);
  }

  private void createDatabase(String database, String owner, String fromTemplate) {
    DataSource cluster = TestPostgres.superuser("postgres");
    if (owner != null) {
      TestPostgres.execute(cluster, "CREATE ROLE " + owner + " NOLOGIN");
    }
    TestPostgres.execute(
        cluster,
        "CREATE DATABASE " + database + (fromTemplate == null ? "" : " TEMPLATE " + fromTemplate),
        "REVOKE ALL ON DATABASE " + database + " FROM PUBLIC");
  }

  private TestTenant finish(UUID id, String subdomain, String database, String owner) {
    String appRole = "t_" + id.toString().replace("-", "").substring(0, 12) + "_app";
    String appPassword = UUID.randomUUID().toString();
    TestPostgres.execute(
        TestPostgres.superuser("postgres"),
        "CREATE ROLE " + appRole + " LOGIN PASSWORD '" + appPassword + "'",
        "GRANT CONNECT ON DATABASE " + database + " TO " + appRole);
    DataSource admin = TestPostgres.superuser(database);
    TenantSchema.grantAppRole(admin, owner, appRole);
    String email = "admin@" + subdomain + ".test";
    String token = SetPasswordTokens.newToken();
    UUID adminId =
        TenantSchema.createAdminUser(
            admin,
            owner,
            email,
            SetPasswordTokens.hash(token),
            Instant.now().plus(1, ChronoUnit.DAYS));

    registry.reserve(
        new TenantRegistry.Reservation(id, subdomain, "Company " + subdomain, email, "local"));
    registry.assignDatabase(id, null, database);
    registry.storeCredentials(
        id,
        new TenantCredentials(TestPostgres.jdbcUrl(database), appRole, appPassword)
            .encrypt(cipher, id));
    registry.setStatus(id, TenantStatus.ACTIVE);
    return new TestTenant(id, subdomain, database, appRole, adminId, email, token);
  }

  private String trialAppPassword;

  /**
   * A trial made as the trial provisioning makes it: the cluster's shared trial database (made
   * once), the trial's rows in it, and a registry row of tier trial whose credentials are the
   * shared app role's.
   */
  synchronized TestTenant createTrial(String subdomain) {
    DataSource cluster = TestPostgres.superuser("postgres");
    if (trialAppPassword == null) {
      trialAppPassword = UUID.randomUUID().toString();
      boolean exists =
          Boolean.TRUE.equals(
              org.springframework.jdbc.core.simple.JdbcClient.create(cluster)
                  .sql("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = ?)")
                  .param(TrialSchema.DATABASE)
                  .query(Boolean.class)
                  .single());
      if (!exists) {
        TestPostgres.execute(
            cluster,
            "CREATE ROLE " + TrialSchema.OWNER_ROLE + " NOLOGIN",
            "CREATE ROLE " + TrialSchema.APP_ROLE + " LOGIN",
            "CREATE DATABASE " + TrialSchema.DATABASE + " OWNER " + TrialSchema.OWNER_ROLE,
            "REVOKE ALL ON DATABASE " + TrialSchema.DATABASE + " FROM PUBLIC",
            "GRANT CONNECT ON DATABASE "
                + TrialSchema.DATABASE
                + " TO "
                + TrialSchema.OWNER_ROLE
                + ", "
                + TrialSchema.APP_ROLE);
      }
      TestPostgres.execute(
          cluster, "ALTER ROLE " + TrialSchema.APP_ROLE + " PASSWORD '" + trialAppPassword + "'");
      TrialSchema.prepare(
          TestPostgres.superuser(TrialSchema.DATABASE), TenantSchema.DEFAULT_LOCATIONS);
    }
    UUID id = UUID.randomUUID();
    String email = "admin@" + subdomain + ".test";
    DataSource shared = TestPostgres.superuser(TrialSchema.DATABASE);
    TrialSchema.registerTenant(shared, id, email);
    String token = SetPasswordTokens.newToken();
    UUID adminId =
        TenantSchema.issueAdminSetPasswordToken(
            shared,
            TrialSchema.OWNER_ROLE,
            email,
            SetPasswordTokens.hash(token),
            Instant.now().plus(1, ChronoUnit.DAYS),
            id);
    registry.reserve(
        new TenantRegistry.Reservation(id, subdomain, "Company " + subdomain, email, "local"));
    registry.placeTrial(
        id,
        null,
        TrialSchema.DATABASE,
        new TenantCredentials(
                TestPostgres.jdbcUrl(TrialSchema.DATABASE), TrialSchema.APP_ROLE, trialAppPassword)
            .encrypt(cipher, id));
    registry.setStatus(id, TenantStatus.ACTIVE);
    return new TestTenant(
        id, subdomain, TrialSchema.DATABASE, TrialSchema.APP_ROLE, adminId, email, token);
  }

  /** The shared trial database's app role password (after a first {@link #createTrial}). */
  String trialAppPassword() {
    return trialAppPassword;
  }

  /** Unique subdomain for a test. */
  static String subdomain(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
