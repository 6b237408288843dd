package com.taskifai.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.testing.TestPostgres;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The registry remembers where a tenant's database lived when, whichever statement moved or renamed
 * it: a restore to a time finds the name valid at its moment, and a moment on another server.
 */
class TenantDatabaseHistoryTest {
  private static final TestPostgres.Platform db = TestPostgres.platform();

  @Test
  void findsTheNameValidAtAMomentAcrossARenameAndAMove() throws Exception {
    var cipher = new CredentialCipher(KeyRing.parse(KeyRing.newKeyEntry("k")));
    var servers = new DatabaseServers(db.platform());
    servers.upsert(cipher, "hist-a", "hist", "jdbc:postgresql://a/postgres", "postgres", "pw", 5);
    servers.upsert(cipher, "hist-b", "hist", "jdbc:postgresql://b/postgres", "postgres", "pw", 5);
    var registry = new TenantRegistry(db.platform());
    UUID id = UUID.randomUUID();
    registry.reserve(
        new TenantRegistry.Reservation(id, "hist-" + id, "Acme", "a@acme.test", "hist"));
    var history = new TenantDatabaseHistory(db.platform());
    var operations = new TenantOperations(db.platform());

    registry.assignDatabase(id, "hist-a", "tenant_x");
    Instant beforeSwap = pause();
    operations.claim(id, "RESTORING", "op-1");
    operations.swapDatabase(id, "op-1", "tenant_x_rp1", "url");
    operations.release(id, "op-1");
    Instant afterSwap = pause();
    operations.claim(id, "MOVING", "op-2");
    operations.moveDatabase(id, "op-2", "hist-a", "hist-b", "tenant_x_m1", "url");
    operations.release(id, "op-2");
    Instant afterMove = pause();

    assertThat(history.at(id, beforeSwap).orElseThrow())
        .extracting(TenantDatabaseHistory.Placement::serverId, p -> p.databaseName())
        .containsExactly("hist-a", "tenant_x");
    assertThat(history.at(id, afterSwap).orElseThrow().databaseName()).isEqualTo("tenant_x_rp1");
    assertThat(history.at(id, afterMove).orElseThrow())
        .extracting(TenantDatabaseHistory.Placement::serverId, p -> p.databaseName())
        .containsExactly("hist-b", "tenant_x_m1");
    // A moment before the first placement reads the first one (the database did not exist yet).
    assertThat(history.at(id, beforeSwap.minusSeconds(3600)).orElseThrow().databaseName())
        .isEqualTo("tenant_x");

    assertThat(history.onServerSince(id, "hist-b").orElseThrow())
        .isAfter(afterSwap)
        .isBefore(afterMove);
    assertThat(history.onServerSince(id, "hist-c")).isEmpty();
    assertThat(
            TenantDatabaseHistory.movedReason(
                id, afterSwap, history.at(id, afterSwap).orElseThrow(), "hist-b"))
        .contains("tenant_x_rp1 on server hist-a")
        .contains("choose a moment after the move");
    // A change of something else records nothing.
    registry.updateMetadata(id, "{\"k\":1}");
    assertThat(history.at(id, Instant.now()).orElseThrow().validFrom())
        .isEqualTo(history.at(id, afterMove).orElseThrow().validFrom());
  }

  private static Instant pause() throws InterruptedException {
    Thread.sleep(20);
    Instant now = Instant.now();
    Thread.sleep(20);
    return now;
  }
}
