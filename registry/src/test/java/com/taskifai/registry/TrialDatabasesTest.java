package com.taskifai.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.testing.TestPostgres;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A server's shared trial database row: the first recorded password stays, ready once made. */
class TrialDatabasesTest {
  private static TestPostgres.Platform db;
  private static TrialDatabases trials;
  private static DatabaseServers servers;

  @BeforeAll
  static void platform() {
    db = TestPostgres.platform();
    trials = new TrialDatabases(db.platform());
    servers = new DatabaseServers(db.platform());
  }

  private static void server(String id) {
    servers.upsert(
        new com.taskifai.registry.crypto.CredentialCipher(
            com.taskifai.registry.crypto.KeyRing.parse(
                com.taskifai.registry.crypto.KeyRing.newKeyEntry("k1"))),
        id,
        "local",
        TestPostgres.jdbcUrl("postgres"),
        "postgres",
        "pw",
        10);
  }

  @Test
  void aSecondRecordKeepsTheFirstPasswordAndTheRowIsReadyOnlyWhenMarked() {
    server("trial-a");
    assertThat(trials.find("trial-a")).isEmpty();
    trials.record("trial-a", "trial_shared", "trial_owner", "trial_app", "sealed-1");
    trials.record("trial-a", "trial_shared", "trial_owner", "trial_app", "sealed-2");
    assertThat(trials.find("trial-a")).contains(new TrialDatabases.Row("sealed-1", false));
    trials.markReady("trial-a");
    assertThat(trials.find("trial-a")).contains(new TrialDatabases.Row("sealed-1", true));
  }

  @Test
  void onlyARecordedDatabaseNameIsShared() {
    server("trial-b");
    trials.record("trial-b", "trial_shared_b", "trial_owner", "trial_app", "sealed");
    assertThat(trials.isShared("trial_shared_b")).isTrue();
    assertThat(trials.isShared("tenant_0123456789abcdef0123456789abcdef")).isFalse();
  }
}
