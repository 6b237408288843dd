package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.tenantschema.TrialSchema;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Writes through the real router while a trial is promoted with the promotion's own primitives
 * (write hold, shared-database fence, row copy, count check, one registry swap, release): every
 * write the router acknowledged is in the dedicated database, writes during the hold answer 503
 * with Retry-After, and after the swap the same token writes to the dedicated database.
 */
class TrialPromotionWritesTest {

  @Test
  void everyAcknowledgedWriteEndsInTheDedicatedDatabase() throws Exception {
    TenantFixture fixture = SharedRouter.fixture();
    RouterApp app = SharedRouter.app();
    TenantFixture.TestTenant t = fixture.createTrial(TenantFixture.subdomain("promo-w"));
    String token = app.signInAdmin(t);
    String host = t.subdomain() + ".localhost";

    List<String> acknowledged = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger held = new AtomicInteger();
    AtomicInteger other = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    Thread writer =
        new Thread(
            () -> {
              int i = 0;
              while (!stop.get()) {
                String sku = "W-" + i++;
                RouterApp.Response r =
                    app.post(host, "/api/products", token, Map.of("sku", sku, "name", sku));
                if (r.status() == 201) {
                  acknowledged.add(sku);
                } else if (r.status() == 503 && r.header("Retry-After") != null) {
                  held.incrementAndGet();
                } else {
                  other.incrementAndGet();
                }
              }
            });
    writer.start();
    Thread.sleep(500);

    // The dedicated database, as create_database, migrate_schema and apply_rls make it.
    String hex = t.id().toString().replace("-", "");
    String owner = "t_" + hex + "_owner";
    String appRole = "t_" + hex + "_app";
    String database = "tenant_" + hex;
    String password = UUID.randomUUID().toString();
    TestPostgres.execute(
        TestPostgres.superuser("postgres"),
        "CREATE ROLE " + owner + " NOLOGIN",
        "CREATE ROLE " + appRole + " LOGIN PASSWORD '" + password + "'",
        "CREATE DATABASE " + database + " OWNER " + owner,
        "REVOKE ALL ON DATABASE " + database + " FROM PUBLIC",
        "GRANT CONNECT ON DATABASE " + database + " TO " + owner + ", " + appRole);
    DataSource dedicated = TestPostgres.superuser(database);
    TenantSchema.migrate(dedicated, owner);
    TenantSchema.applyRls(dedicated, owner);
    TenantSchema.grantAppRole(dedicated, owner, appRole);

    TenantOperations ops = new TenantOperations(fixture.platform.platform());
    String op = "tenant-promote-" + t.id();
    assertThat(ops.claim(t.id(), "PROMOTING", op)).isEmpty();
    assertThat(ops.holdWrites(t.id(), op, true)).isTrue();
    DataSource shared = TestPostgres.superuser(TrialSchema.DATABASE);
    TrialSchema.freeze(shared, t.id(), true);
    Thread.sleep(300); // writes meanwhile answer 503
    Map<String, Long> copied = TrialSchema.copyTenant(shared, dedicated, owner, t.id());
    assertThat(TrialSchema.countDedicated(dedicated, owner))
        .isEqualTo(TrialSchema.countRows(shared, t.id()))
        .isEqualTo(copied);
    assertThat(
            fixture.registry.promoteToDedicated(
                t.id(),
                op,
                database,
                new TenantCredentials(TestPostgres.jdbcUrl(database), appRole, password)
                    .encrypt(fixture.cipher, t.id())))
        .isTrue();
    ops.release(t.id(), op);
    int before = acknowledged.size();
    long deadline = System.currentTimeMillis() + 15_000;
    while (acknowledged.size() < before + 5 && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    stop.set(true);
    writer.join(15_000);
    TrialSchema.deleteTenant(shared, t.id());

    assertThat(held.get()).as("writes refused during the hold").isPositive();
    assertThat(other.get()).as("answers other than 201 or 503").isZero();
    assertThat(acknowledged.size()).as("writes after the swap").isGreaterThan(before);
    List<String> inDedicated = new ArrayList<>();
    try (Connection c = dedicated.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT sku FROM products")) {
      while (rs.next()) {
        inDedicated.add(rs.getString(1));
      }
    }
    assertThat(inDedicated).containsAll(new ArrayList<>(acknowledged));
    // The trial's rows are gone from the shared database; the tenant still answers from its own.
    assertThat(TrialSchema.countRows(shared, t.id()).get("products")).isZero();
    RouterApp.Response list = app.get(host, "/api/products?limit=1", token);
    assertThat(list.status()).isEqualTo(200);
  }
}
