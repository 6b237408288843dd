package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.tenantschema.TrialSchema;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The isolation corpus ({@link TrialIsolationCorpus}), run after a schema change reached the shared
 * trial database the way a rollout brings it ({@link TrialSchema#migrate} with a test-only
 * migration and its trial counterpart): trial A's token with trial B's ids on every router
 * endpoint, a sell-out upload, and a login with B's e-mail on A's subdomain are each refused or see
 * only A's rows, and B's rows, in the new table too, are unchanged afterwards.
 */
class TrialIsolationCorpusTest {
  static RouterApp app;
  static TenantFixture fixture;
  static TenantFixture.TestTenant a;
  static TenantFixture.TestTenant b;
  static String tokenA;
  static String tokenB;

  @BeforeAll
  static void twoTrialsAfterARollout() {
    fixture = SharedRouter.fixture();
    app = SharedRouter.app();
    a = fixture.createTrial(TenantFixture.subdomain("corpus-a"));
    b = fixture.createTrial(TenantFixture.subdomain("corpus-b"));
    tokenA = app.signInAdmin(a);
    tokenB = app.signInAdmin(b);
    TenantSchema.Migrated rollout =
        TrialSchema.migrate(
            shared(), List.of("classpath:db/tenant", "classpath:db/tenant-corpus-test"), null);
    assertThat(rollout.toVersion()).isEqualTo("900");
  }

  private static DataSource shared() {
    return TestPostgres.superuser(TrialSchema.DATABASE);
  }

  private static TrialIsolationCorpus.Trial trial(TenantFixture.TestTenant t, String token) {
    return new TrialIsolationCorpus.Trial(
        t.id(), t.subdomain(), t.adminEmail(), "correct horse battery " + t.subdomain(), token);
  }

  @Test
  void trialAsTokenWithTrialBsIdsIsRefusedOrSeesNothingOfBOnEveryEndpoint() {
    TestPostgres.execute(
        shared(),
        "INSERT INTO corpus_notes (tenant_id, note) VALUES ('" + b.id() + "', 'note of b')");

    new TrialIsolationCorpus(app).run(trial(a, tokenA), trial(b, tokenB), shared(), "after-900");

    assertThat(
            JdbcClient.create(shared())
                .sql("SELECT note FROM corpus_notes WHERE tenant_id = :b")
                .param("b", b.id())
                .query(String.class)
                .list())
        .containsExactly("note of b");
  }
}
