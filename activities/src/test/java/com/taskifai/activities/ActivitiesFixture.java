package com.taskifai.activities;

import com.taskifai.activities.database.TenantDatabaseNames;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.tenantschema.TrialSchema;
import com.taskifai.workflows.ports.ReserveTenantInput;
import com.taskifai.workflows.ports.StepInput;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A migrated platform database on the embedded PostgreSQL, one database server row pointing at the
 * same embedded server (superuser {@code postgres} with its password: the server checks every
 * password), and the activities.
 */
public final class ActivitiesFixture {
  public static final String SERVER_ID = "local-1";
  private static final AtomicInteger SUBDOMAINS = new AtomicInteger();

  public final TestPostgres.Platform platform = TestPostgres.platform();
  public final KeyRing ring = KeyRing.parse(KeyRing.newKeyEntry("test1"));
  public final CredentialCipher cipher = new CredentialCipher(ring);
  public final ActivitiesConfig config;
  public final PlatformActivities activities;
  public final TenantRegistry tenants = new TenantRegistry(platform.platform());
  public final AuditLog audit = new AuditLog(platform.platform());
  public final StagedSecrets secrets;

  public ActivitiesFixture(ActivitiesConfig config) {
    this(config, com.taskifai.registry.providers.SupabaseSettings.none());
  }

  /** As {@link #ActivitiesFixture(ActivitiesConfig)}, with a database provider's settings. */
  public ActivitiesFixture(
      ActivitiesConfig config, com.taskifai.registry.providers.SupabaseSettings supabase) {
    this.config = config;
    new DatabaseServers(platform.platform())
        .upsert(
            cipher,
            SERVER_ID,
            "local",
            TestPostgres.jdbcUrl("postgres"),
            "postgres",
            TestPostgres.superuserPassword(),
            1000);
    this.activities =
        PlatformActivities.builder(platform.platform(), cipher, config).supabase(supabase).build();
    this.secrets = new StagedSecrets(platform.platform(), cipher);
  }

  public ActivitiesFixture() {
    this(ActivitiesConfig.defaults());
  }

  /** A fresh, valid subdomain. */
  public static String newSubdomain() {
    return "acme-" + SUBDOMAINS.incrementAndGet() + "-" + ProcessHandle.current().pid();
  }

  /** Reserves a tenant with a fresh subdomain; returns its step input. */
  public StepInput reserve() {
    UUID id = UUID.randomUUID();
    String subdomain = newSubdomain();
    activities
        .registry()
        .reserveTenant(
            new ReserveTenantInput(
                id, subdomain, "Acme & Söhne", "admin@" + subdomain + ".test", "local", "test"));
    return StepInput.of(id, subdomain);
  }

  /** Reserves and places a tenant. */
  public StepInput reserveAndPlace() {
    StepInput input = reserve();
    activities.registry().placeDatabase(input);
    return input;
  }

  public Tenant tenant(UUID id) {
    return tenants.findById(id).orElseThrow();
  }

  /**
   * The server's shared trial database, made as place_trial makes it (roles, database, schema and
   * policies), as a superuser data source. Idempotent.
   */
  public DataSource sharedTrialDatabase() {
    if (!databaseExists(TrialSchema.DATABASE)) {
      TestPostgres.execute(
          server(),
          "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '"
              + TrialSchema.OWNER_ROLE
              + "') THEN CREATE ROLE "
              + TrialSchema.OWNER_ROLE
              + " NOLOGIN; END IF; IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '"
              + TrialSchema.APP_ROLE
              + "') THEN CREATE ROLE "
              + TrialSchema.APP_ROLE
              + " LOGIN; END IF; END $$",
          "CREATE DATABASE " + TrialSchema.DATABASE + " OWNER " + TrialSchema.OWNER_ROLE);
    }
    DataSource shared = TestPostgres.superuser(TrialSchema.DATABASE);
    TrialSchema.prepare(shared, com.taskifai.tenantschema.TenantSchema.DEFAULT_LOCATIONS);
    return shared;
  }

  public DataSource server() {
    return TestPostgres.superuser("postgres");
  }

  public DataSource tenantDatabase(UUID tenantId) {
    return TestPostgres.superuser(TenantDatabaseNames.of(tenantId).database());
  }

  public boolean databaseExists(String name) {
    return count(server(), "SELECT count(*) FROM pg_database WHERE datname = ?", name) > 0;
  }

  public boolean roleExists(String name) {
    return count(server(), "SELECT count(*) FROM pg_roles WHERE rolname = ?", name) > 0;
  }

  public int dnsRecords(String name) {
    return count(platform.owner(), "SELECT count(*) FROM dns_records WHERE name = ?", name);
  }

  public List<String> auditRows(UUID tenantId) {
    List<String> rows = new ArrayList<>();
    for (AuditLog.Entry e : audit.query(AuditLog.Query.forTenant(tenantId))) {
      rows.add(e.action() + " " + e.step() + " " + e.outcome());
    }
    return rows;
  }

  public static int count(DataSource ds, String sql, Object... params) {
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  public static JdbcClient jdbc(DataSource ds) {
    return JdbcClient.create(ds);
  }
}
