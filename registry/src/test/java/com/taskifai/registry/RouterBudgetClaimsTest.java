package com.taskifai.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.registry.testing.TestPostgres;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/** A router's renewal of its claims on the servers' connection budgets. */
class RouterBudgetClaimsTest {
  private static final Duration LEASE = Duration.ofSeconds(30);
  private static TestPostgres.Platform db;
  private static RouterBudgetClaims claims;

  @BeforeAll
  static void platform() {
    db = TestPostgres.platform();
    claims = new RouterBudgetClaims(db.platform());
    TestPostgres.execute(
        db.owner(),
        "INSERT INTO database_servers (id, region, jdbc_url, admin_username, admin_password,"
            + " capacity, connection_budget) VALUES"
            + " ('budgeted', 'local', 'jdbc:postgresql://x/postgres', 'a', 'sealed', 10, 12)");
  }

  private static void claim(String server, UUID router, int slots, String heartbeat) {
    TestPostgres.execute(
        db.owner(),
        "INSERT INTO router_budget_claims (server_id, router_id, slots, heartbeat_at) VALUES ('"
            + server
            + "', '"
            + router
            + "', "
            + slots
            + ", "
            + heartbeat
            + ")");
  }

  private static List<String> rows(UUID router) {
    return JdbcClient.create(db.owner())
        .sql(
            "SELECT server_id || ':' || slots FROM router_budget_claims WHERE router_id = :r"
                + " ORDER BY server_id")
        .param("r", router)
        .query(String.class)
        .list();
  }

  @Test
  void aRenewalSeesOnlyLiveClaimsAndStoresWhatThisRouterDecided() throws Exception {
    UUID me = UUID.randomUUID();
    UUID live = UUID.randomUUID();
    UUID expired = UUID.randomUUID();
    claim("budgeted", live, 5, "now()");
    claim("budgeted", expired, 7, "now() - interval '1 hour'");
    claim("budgeted", me, 3, "now()");
    AtomicReference<Map<String, Integer>> budgetsSeen = new AtomicReference<>();
    AtomicReference<Map<String, Map<UUID, Integer>>> claimsSeen = new AtomicReference<>();
    claims.renew(
        me,
        LEASE,
        (budgets, now) -> {
          budgetsSeen.set(budgets);
          claimsSeen.set(now);
          return Map.of("budgeted", 6);
        });
    assertThat(budgetsSeen.get()).containsExactly(Map.entry("budgeted", 12));
    assertThat(claimsSeen.get().get("budgeted"))
        .containsEntry(live, 5)
        .containsEntry(me, 3)
        .doesNotContainKey(expired);
    assertThat(rows(me)).containsExactly("budgeted:6");
    assertThat(rows(expired)).isEmpty();
    assertThat(rows(live)).containsExactly("budgeted:5");
    claims.release(me);
    assertThat(rows(me)).isEmpty();
    assertThat(rows(live)).containsExactly("budgeted:5");
  }

  @Test
  void aRenewalWhoseDecisionFailsChangesNoClaim() {
    UUID me = UUID.randomUUID();
    claim("budgeted", me, 2, "now()");
    assertThatThrownBy(
            () ->
                claims.renew(
                    me,
                    LEASE,
                    (budgets, now) -> {
                      throw new IllegalStateException("no decision");
                    }))
        .hasMessage("no decision");
    assertThat(rows(me)).containsExactly("budgeted:2");
  }
}
