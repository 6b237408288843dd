package com.taskifai.activities.costs;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.activities.ActivitiesFixture;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.TenantUsage;
import com.taskifai.tenantschema.TrialSchema;
import com.taskifai.workflows.ports.StepInput;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The daily size samples: a trial is charged its own rows' share, never the shared database. */
class CostActivitiesTest {
  private final ActivitiesFixture fx = new ActivitiesFixture();

  @Test
  void aTrialsSizeSampleIsItsOwnRowsShareOfTheSharedDatabase() throws Exception {
    DataSource shared = fx.sharedTrialDatabase();
    UUID big = trial(shared, 2000);
    UUID small = trial(shared, 20);

    fx.activities.costs().sampleDatabaseSizes();

    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    Map<UUID, Long> sampled =
        new TenantUsage(fx.platform.platform())
            .sizes(today, today.plusDays(1)).stream()
                .collect(
                    Collectors.toMap(
                        TenantUsage.SizeSample::tenantId, TenantUsage.SizeSample::databaseBytes));
    long whole = databaseSize(shared);
    assertThat(sampled.get(big)).isPositive().isLessThan(whole);
    assertThat(sampled.get(small)).isPositive().isLessThan(sampled.get(big) / 10);
    assertThat(sampled.get(big) + sampled.get(small)).isLessThan(whole);
  }

  /** A trial tenant placed in the shared database, with {@code products} products. */
  private UUID trial(DataSource shared, int products) throws Exception {
    StepInput input = fx.reserve();
    UUID id = input.tenantId();
    fx.tenants.placeTrial(
        id,
        ActivitiesFixture.SERVER_ID,
        TrialSchema.DATABASE,
        new TenantCredentials("jdbc:postgresql://unused/" + TrialSchema.DATABASE, "u", "p")
            .encrypt(fx.cipher, id));
    fx.tenants.setStatus(id, TenantStatus.ACTIVE);
    TrialSchema.registerTenant(shared, id, "admin@" + input.subdomain() + ".test");
    try (Connection c = shared.getConnection()) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute("SET LOCAL ROLE " + TrialSchema.OWNER_ROLE);
        st.execute("SET LOCAL app.user_role = 'admin'");
        st.execute("SET LOCAL app.tenant_id = '" + id + "'");
      }
      try (PreparedStatement ps =
          c.prepareStatement("INSERT INTO products (sku, name) VALUES (?, repeat('x', 200))")) {
        for (int i = 0; i < products; i++) {
          ps.setString(1, "SKU-" + i);
          ps.addBatch();
        }
        ps.executeBatch();
      }
      c.commit();
    }
    return id;
  }

  private static long databaseSize(DataSource shared) throws Exception {
    try (Connection c = shared.getConnection();
        Statement st = c.createStatement();
        var rs = st.executeQuery("SELECT pg_database_size(current_database())")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
