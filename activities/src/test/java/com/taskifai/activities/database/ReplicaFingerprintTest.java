package com.taskifai.activities.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.testing.TestPostgres;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fingerprint an online move compares while writes are held (verify_replica), on two real
 * databases: equal copies give equal fingerprints with keys hashed by type ({@code
 * hash_record_extended}) as through their text; a copy that lost one row and gained another (the
 * same count) differs in that table; a table without a key whose columns have no hash function is
 * still fingerprinted (through its text).
 */
class ReplicaFingerprintTest {
  private static AdminConnectionPools pools;
  private static ServerAdmin admin;

  @BeforeAll
  static void start() {
    String keys = KeyRing.newKeyEntry("fp1");
    CredentialCipher cipher = new CredentialCipher(KeyRing.parse(keys));
    pools = new AdminConnectionPools();
    admin =
        new ServerAdmin(
            new DatabaseServers.Server(
                "fp-1",
                "local",
                TestPostgres.jdbcUrl("postgres"),
                "postgres",
                cipher.encrypt(TestPostgres.superuserPassword(), DatabaseServers.context("fp-1")),
                100,
                "OPEN",
                50),
            cipher,
            pools);
  }

  @AfterAll
  static void stop() {
    pools.close();
  }

  @Test
  void equalCopiesMatchAndAChangedKeyIsFoundWithTheSameRowCount() throws Exception {
    String source = copyWithRows();
    String target = copyWithRows();
    assertThat(ReplicaVerification.recordHashes(admin, admin)).isTrue();

    Map<String, String> a = new ReplicaVerification().fingerprint(admin, source, true);
    Map<String, String> b = new ReplicaVerification().fingerprint(admin, target, true);
    assertThat(a).isEqualTo(b);
    assertThat(a.get("entries")).startsWith("2000:");
    assertThat(a.get("pairs")).startsWith("300:");
    assertThat(a.get("shapes")).startsWith("2:");
    assertThat(new ReplicaVerification().fingerprint(admin, source, false))
        .isEqualTo(new ReplicaVerification().fingerprint(admin, target, false));

    // One row gone, another come: the count stays, the checksum of the keys does not.
    TestPostgres.execute(
        TestPostgres.superuser(target),
        "DELETE FROM entries WHERE id = md5('e1')::uuid",
        "INSERT INTO entries (id, note) VALUES (gen_random_uuid(), 'late')",
        "UPDATE pairs SET b = b + 1000 WHERE a = 1 AND b = 1");
    Map<String, String> changed = new ReplicaVerification().fingerprint(admin, target, true);
    assertThat(changed.get("entries")).startsWith("2000:").isNotEqualTo(a.get("entries"));
    assertThat(changed.get("pairs")).startsWith("300:").isNotEqualTo(a.get("pairs"));
    assertThat(changed.get("shapes")).isEqualTo(a.get("shapes"));
    // An update of a column outside the key is not what the checksum covers.
    TestPostgres.execute(TestPostgres.superuser(source), "UPDATE entries SET note = 'other'");
    assertThat(new ReplicaVerification().fingerprint(admin, source, true).get("entries"))
        .isEqualTo(a.get("entries"));
  }

  @Test
  void aKeylessTableOfTypesWithoutAHashIsHashedThroughItsText() throws Exception {
    String db = copyWithRows();
    // What hashing by type would meet: point has no hash function.
    assertThatThrownBy(
            () ->
                TestPostgres.execute(
                    TestPostgres.superuser(db),
                    "SELECT sum(hash_record_extended(t, 0)) FROM shapes t"))
        .hasMessageContaining("hash");
    assertThat(new ReplicaVerification().fingerprint(admin, db, true).get("shapes"))
        .startsWith("2:");
  }

  /** A database with a uuid-keyed table, a two-column key and a keyless table of points. */
  private static String copyWithRows() {
    String db = TestPostgres.createDatabase("fp");
    TestPostgres.execute(
        TestPostgres.superuser(db),
        "CREATE TABLE entries (id uuid PRIMARY KEY, note text)",
        "INSERT INTO entries SELECT md5('e' || g)::uuid, 'n' || g FROM generate_series(1, 2000) g",
        "CREATE TABLE pairs (a int, b int, PRIMARY KEY (a, b))",
        "INSERT INTO pairs SELECT g % 3, g FROM generate_series(1, 300) g",
        "CREATE TABLE shapes (at point)",
        "ALTER TABLE shapes REPLICA IDENTITY FULL",
        "INSERT INTO shapes VALUES (point(1, 2)), (point(3, 4))");
    return db;
  }
}
