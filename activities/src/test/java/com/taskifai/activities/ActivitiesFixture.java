package com.taskifai.activities;

import com.taskifai.activities.database.TenantDatabaseNames;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.workflows.ports.ReserveTenantInput;
import com.taskifai.workflows.ports.StepInput;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A migrated platform database on the embedded PostgreSQL, one database server row pointing at the
 * same embedded server (superuser {@code postgres}, trust authentication), and the activities.
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
    requirePasswordsForTenantRoles();
    this.config = config;
    new DatabaseServers(platform.platform())
        .upsert(
            cipher,
            SERVER_ID,
            "local",
            TestPostgres.jdbcUrl("postgres"),
            "postgres",
            "any-password-trust-auth",
            1000);
    this.activities =
        PlatformActivities.create(platform.platform(), cipher, config, Clock.systemUTC());
    this.secrets = new StagedSecrets(platform.platform(), cipher);
  }

  public ActivitiesFixture() {
    this(ActivitiesConfig.defaults());
  }

  /**
   * The embedded server trusts every local connection; for tenant app roles (and test strangers) it
   * must check the password, or a password test proves nothing. Prepends SCRAM rules for every role
   * but the superuser to pg_hba.conf and reloads; the superuser stays trusted.
   */
  private static synchronized void requirePasswordsForTenantRoles() {
    try {
      String hbaFile =
          JdbcClient.create(TestPostgres.superuser("postgres"))
              .sql("SHOW hba_file")
              .query(String.class)
              .single();
      java.nio.file.Path hba = java.nio.file.Path.of(hbaFile);
      String current = java.nio.file.Files.readString(hba);
      if (current.contains("# taskifai-activities-test")) {
        return;
      }
      String rules =
          "# taskifai-activities-test\n"
              // PostgreSQL 15 has no regular expressions for user names in pg_hba.conf: the
              // superuser stays trusted, every other role must give its password.
              + "host all postgres 127.0.0.1/32 trust\n"
              + "host all postgres ::1/128 trust\n"
              + "host all all 127.0.0.1/32 scram-sha-256\n"
              + "host all all ::1/128 scram-sha-256\n";
      java.nio.file.Files.writeString(hba, rules + current);
      JdbcClient.create(TestPostgres.superuser("postgres"))
          .sql("SELECT pg_reload_conf()")
          .query(Boolean.class)
          .single();
      awaitPasswordCheck();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The server reloads its rules asynchronously: wait until a wrong password is refused. */
  private static void awaitPasswordCheck() {
    String probe = "t_000000000000_app";
    TestPostgres.execute(
        TestPostgres.superuser("postgres"),
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '"
            + probe
            + "') THEN CREATE ROLE "
            + probe
            + " LOGIN PASSWORD 'probe-right'; END IF; END $$");
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      try (Connection c =
          TestPostgres.dataSource("postgres", probe, "probe-wrong").getConnection()) {
        Thread.sleep(20);
      } catch (SQLException refused) {
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    throw new IllegalStateException("the embedded server did not start checking passwords");
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
                id,
                subdomain,
                "Acme & Söhne",
                "admin@" + subdomain + ".test",
                "local",
                "test",
                false));
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
