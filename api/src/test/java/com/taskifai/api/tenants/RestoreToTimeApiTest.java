package com.taskifai.api.tenants;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.api.testing.AdminHttp;
import com.taskifai.api.testing.AdminHttp.Answer;
import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.ServerArchives;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.providers.DatabaseProvider;
import com.taskifai.registry.providers.TenantProviders;
import com.taskifai.registry.testing.ArchivingTestServer;
import com.taskifai.registry.testing.TestPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * {@code POST /admin/tenants/{id}/restore-to-time} over real HTTP against a real archiving server:
 * each refusal with its status and a message that says why (a time outside the restorable range or
 * in the future: 422 naming the range; a server without archiving: 409 naming what to configure; a
 * trial: 422 saying what to do instead; a Supabase tenant's copy: 422 naming replace; a moment at
 * which the tenant's database lived on a server it has left: 409 saying why; no fresh MFA: 403),
 * and a moment inside the range starts the workflow (202), for a Supabase tenant through its
 * provider.
 */
class RestoreToTimeApiTest extends ApiTestBase {
  @Autowired TenantRegistry registry;
  @Autowired CredentialCipher cipher;

  @TempDir Path home;

  @Test
  void eachRefusalSaysWhyAndAMomentInsideTheRangeStartsTheRestore() throws Exception {
    String token = freshToken();
    var servers = new DatabaseServers(platform().db.platform());
    String plain = "plain-" + UUID.randomUUID().toString().substring(0, 8);
    servers.upsert(
        cipher,
        plain,
        "pitr-test",
        TestPostgres.jdbcUrl("postgres"),
        "postgres",
        TestPostgres.superuserPassword(),
        5);

    // A server without archiving: 409 naming what to configure.
    UUID onPlain = activeTenant(plain);
    Answer off = restore(onPlain, "2026-01-01T00:00:00Z", "copy", token);
    assertThat(off.status()).as(off.body()).isEqualTo(409);
    assertThat(off.body()).contains("does not archive its WAL").contains("TASKIFAI_PITR=on");

    // A trial and a Supabase tenant: 422 saying what to do instead.
    UUID trial = activeTenant(plain);
    JdbcClient.create(platform().db.owner())
        .sql("UPDATE tenants SET tier = 'trial' WHERE tenant_id = :id")
        .param("id", trial)
        .update();
    Answer promote = restore(trial, Instant.now().toString(), "copy", token);
    assertThat(promote.status()).as(promote.body()).isEqualTo(422);
    assertThat(promote.body()).contains("promote it first");
    // A Supabase tenant: Supabase restores its project in place, so a copy is refused (422
    // naming replace), a moment before the tenant is refused, and a replace starts the restore.
    UUID hosted = activeTenant(plain, DatabaseProvider.SUPABASE);
    Answer supabaseCopy = restore(hosted, Instant.now().toString(), "copy", token);
    assertThat(supabaseCopy.status()).as(supabaseCopy.body()).isEqualTo(422);
    assertThat(supabaseCopy.body()).contains("restores the project in place").contains("replace");
    Answer supabaseEarly =
        restore(hosted, Instant.now().minus(Duration.ofDays(2)).toString(), "replace", token);
    assertThat(supabaseEarly.status()).as(supabaseEarly.body()).isEqualTo(422);
    assertThat(supabaseEarly.body()).contains("before the tenant was created");
    Answer supabase = restore(hosted, Instant.now().toString(), "replace", token);
    assertThat(supabase.status()).as(supabase.body()).isEqualTo(202);
    assertThat(supabase.text("provider")).isEqualTo("supabase");

    // Bad input: 400 saying what to send; no fresh MFA: 403.
    assertThat(restore(onPlain, "yesterday", "copy", token).body()).contains("ISO-8601 instant");
    assertThat(restore(onPlain, Instant.now().toString(), "merge", token).status()).isEqualTo(400);
    assertThat(restore(onPlain, Instant.now().toString(), "copy", staleMfaToken()).status())
        .isEqualTo(403);

    String archiving = "arch-" + UUID.randomUUID().toString().substring(0, 8);
    try (ArchivingTestServer pg = ArchivingTestServer.start(home, "restore-to-time")) {
      servers.upsert(
          cipher,
          archiving,
          "pitr-test",
          pg.jdbcUrl(),
          "postgres",
          ArchivingTestServer.PASSWORD,
          5);
      var archives = new ServerArchives(platform().db.platform());
      archives.record(
          archiving, pg.archive().configFile().toString(), pg.archive().repository().toString(), 7);
      UUID tenant = activeTenant(archiving);
      UUID moved = activeTenant(plain);
      pg.archive().backup("full", ArchivingTestServer.PASSWORD);
      Instant earliest = pg.archive().earliestRestorable().orElseThrow();
      archives.backedUp(archiving, Instant.now(), earliest);
      Thread.sleep(50);
      Instant beforeMove = Instant.now();
      Thread.sleep(50);
      registry.assignDatabase(moved, archiving, "db_moved_" + moved.toString().substring(0, 8));
      pg.waitForArchived(pg.writeAndSwitchWal(), Duration.ofSeconds(30));

      // A moment at which the tenant's database lived on the server it has left: 409 saying why.
      Answer gone = restore(moved, beforeMove.toString(), "replace", token);
      assertThat(gone.status()).as(gone.body()).isEqualTo(409);
      assertThat(gone.body())
          .contains("on server " + plain)
          .contains("which it has left for " + archiving)
          .contains("choose a moment after the move");
      // The range offered starts at the tenant's arrival on the server.
      assertThat(range(moved, token).from()).isAfter(beforeMove);

      JsonRange range = range(tenant, token);
      Answer before = restore(tenant, range.from().minusSeconds(3600).toString(), "copy", token);
      assertThat(before.status()).as(before.body()).isEqualTo(422);
      assertThat(before.body())
          .contains("is before the restorable range")
          .contains(range.from().toString())
          .contains(range.to().toString());
      Answer future = restore(tenant, Instant.now().plusSeconds(3600).toString(), "copy", token);
      assertThat(future.status()).as(future.body()).isEqualTo(422);
      assertThat(future.body()).contains("is in the future").contains(range.to().toString());

      Answer wrongConfirm =
          http.post(
              path(tenant),
              AdminHttp.json(
                  "at", range.to().toString(), "mode", "copy", "confirm_subdomain", "other"),
              token);
      assertThat(wrongConfirm.status()).isEqualTo(400);
      assertThat(wrongConfirm.body()).contains("confirm_subdomain");

      Answer started = restore(tenant, range.to().toString(), "copy", token);
      assertThat(started.status()).as(started.body()).isEqualTo(202);
      assertThat(started.text("workflow_id")).startsWith("tenant-restore-to-time-" + tenant + "-p");
      assertThat(http.get("/admin/tenants/" + tenant + "/audit", token).body())
          .contains("tenant.restore_to_time");
      // Another tenant's workflow id is not this tenant's progress.
      assertThat(http.get(path(onPlain) + "/" + started.text("workflow_id"), token).status())
          .isEqualTo(404);
    } finally {
      forgetServers(archiving);
    }
  }

  private record JsonRange(Instant from, Instant to) {}

  private JsonRange range(UUID tenant, String token) {
    Answer a = http.get("/admin/tenants/" + tenant, token);
    assertThat(a.json().get("restorable_reason").isNull()).as(a.body()).isTrue();
    return new JsonRange(
        Instant.parse(a.json().get("restorable_from").asString()),
        Instant.parse(a.json().get("restorable_to").asString()));
  }

  private static String path(UUID tenant) {
    return "/admin/tenants/" + tenant + "/restore-to-time";
  }

  private Answer restore(UUID tenant, String at, String mode, String token) {
    String subdomain = registry.findById(tenant).orElseThrow().subdomain();
    return http.post(
        path(tenant),
        AdminHttp.json("at", at, "mode", mode, "confirm_subdomain", subdomain),
        token);
  }

  private UUID activeTenant(String serverId) {
    return activeTenant(serverId, DatabaseProvider.POSTGRES);
  }

  private UUID activeTenant(String serverId, DatabaseProvider provider) {
    UUID id = UUID.randomUUID();
    String subdomain = "ptr-" + id.toString().substring(0, 8);
    registry.reserve(
        new TenantRegistry.Reservation(id, subdomain, "Pitr Ltd", "a@pitr.test", "pitr-test"));
    new TenantProviders(platform().db.platform()).setProvider(id, provider);
    registry.assignDatabase(id, serverId, "db_" + subdomain.replace('-', '_'));
    registry.setStatus(id, TenantStatus.ACTIVE);
    return id;
  }
}
