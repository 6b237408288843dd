package com.taskifai.api.servers;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.api.metrics.ArchivingMetrics;
import com.taskifai.api.testing.AdminHttp;
import com.taskifai.api.testing.AdminHttp.Answer;
import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.registry.ServerArchives;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.testing.ArchivingTestServer;
import com.taskifai.registry.testing.TestPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /admin/servers} shows each server's WAL archiving over real HTTP: a real embedded
 * server archiving with pgBackRest reports a newest WAL younger than a minute (and the metric has
 * it), a server without archiving says it is disabled and why; a tenant's detail shows the range it
 * can be restored to, or why there is none. The metrics show the WAL each replication slot holds
 * back.
 */
class ServerArchivingApiTest extends ApiTestBase {
  @Autowired ArchivingMetrics archivingMetrics;
  @Autowired TenantRegistry registry;

  @TempDir Path home;

  @Test
  void anArchivingServerReportsItsNewestWalAndAPlainOneSaysArchivingIsOffAndWhy() throws Exception {
    String token = freshToken();
    String archiving = "arch-" + UUID.randomUUID().toString().substring(0, 8);
    String plain = "plain-" + UUID.randomUUID().toString().substring(0, 8);
    try (ArchivingTestServer pg = ArchivingTestServer.start(home, "archiving")) {
      assertThat(register(archiving, pg.jdbcUrl(), ArchivingTestServer.PASSWORD, token).status())
          .isEqualTo(201);
      assertThat(
              register(
                      plain,
                      TestPostgres.jdbcUrl("postgres"),
                      TestPostgres.superuserPassword(),
                      token)
                  .status())
          .isEqualTo(201);
      pg.waitForArchived(pg.writeAndSwitchWal(), Duration.ofSeconds(30));

      JsonNode on = listed(archiving, token).get("archiving");
      assertThat(on.get("enabled").asBoolean()).as(on.toString()).isTrue();
      assertThat(Instant.parse(on.get("newest_wal_at").asString()))
          .isAfter(Instant.now().minusSeconds(60));
      assertThat(on.get("age_seconds").asLong()).isBetween(0L, 59L);
      assertThat(on.get("failures").asLong()).isZero();
      assertThat(on.get("stalled").asBoolean()).isFalse();
      assertThat(on.get("reason").isNull()).isTrue();

      // Archiving sets wal_level = logical: the server can be either end of an online move.
      assertThat(listed(archiving, token).get("online_moves").asBoolean()).isTrue();
      assertThat(listed(plain, token).get("online_moves").asBoolean()).isFalse();
      assertThat(listed(plain, token).get("online_moves_reason").asString())
          .contains("wal_level is replica");

      JsonNode off = listed(plain, token).get("archiving");
      assertThat(off.get("enabled").asBoolean()).isFalse();
      assertThat(off.get("newest_wal_at").isNull()).isTrue();
      assertThat(off.get("reason").asString())
          .contains("archive_mode is off")
          .contains("TASKIFAI_PITR=on");

      archivingMetrics.refresh();
      String metrics = management.get("/actuator/prometheus", null).body();
      assertThat(metrics)
          .containsPattern(
              "taskifai_pitr_archive_age_seconds\\{[^}]*server_id=\"" + archiving + "\"\\} [0-9]")
          .containsPattern(
              "taskifai_pitr_archiving_enabled\\{[^}]*server_id=\"" + archiving + "\"\\} 1\\.0")
          .containsPattern(
              "taskifai_pitr_archiving_enabled\\{[^}]*server_id=\"" + plain + "\"\\} 0\\.0")
          .doesNotContainPattern(
              "taskifai_pitr_archive_age_seconds\\{[^}]*server_id=\"" + plain + "\"");

      // Per tenant: nothing restorable without an archive or before the first base backup; then
      // from the end of that backup to the newest archived WAL.
      UUID onPlain = activeTenant(plain);
      UUID onArchiving = activeTenant(archiving);
      JsonNode none = detail(onPlain, token);
      assertThat(none.get("restorable_from").isNull()).isTrue();
      assertThat(none.get("restorable_to").isNull()).isTrue();
      assertThat(none.get("restorable_reason").asString())
          .contains("database server " + plain + " does not archive its WAL")
          .contains("TASKIFAI_PITR=on");
      var archives = new ServerArchives(platform().db.platform());
      archives.record(
          archiving, pg.archive().configFile().toString(), pg.archive().repository().toString(), 7);
      assertThat(detail(onArchiving, token).get("restorable_reason").asString())
          .contains("no base backup of database server " + archiving);

      pg.archive().backup("full", ArchivingTestServer.PASSWORD);
      Instant earliest = pg.archive().earliestRestorable().orElseThrow();
      archives.backedUp(archiving, Instant.now(), earliest);
      pg.waitForArchived(pg.writeAndSwitchWal(), Duration.ofSeconds(30));

      JsonNode window = detail(onArchiving, token);
      assertThat(window.get("restorable_reason").isNull()).as(window.toString()).isTrue();
      Instant from = Instant.parse(window.get("restorable_from").asString());
      Instant to = Instant.parse(window.get("restorable_to").asString());
      assertThat(from).isAfterOrEqualTo(earliest);
      assertThat(to).isAfter(from).isAfter(Instant.now().minusSeconds(60));
    } finally {
      forgetServers(archiving, plain);
    }
  }

  @Test
  void theRetainedWalGaugeShowsTheBytesAReplicationSlotHoldsBackAndForgetsADroppedSlot()
      throws Exception {
    String token = freshToken();
    String server = "slots-" + UUID.randomUUID().toString().substring(0, 8);
    String slot = "taskifai_test_" + UUID.randomUUID().toString().replace("-", "");
    JdbcClient admin = JdbcClient.create(TestPostgres.superuser("postgres"));
    try {
      assertThat(
              register(
                      server,
                      TestPostgres.jdbcUrl("postgres"),
                      TestPostgres.superuserPassword(),
                      token)
                  .status())
          .isEqualTo(201);
      // A physical slot that reserves WAL at once (wal_level = replica has no logical slots); a
      // switch to a new segment moves the server's position past it.
      admin
          .sql("SELECT slot_name FROM pg_create_physical_replication_slot(:s, true)")
          .param("s", slot)
          .query(String.class)
          .single();
      admin.sql("SELECT pg_switch_wal()::text").query(String.class).single();
      admin
          .sql("SELECT pg_logical_emit_message(false, 'taskifai', 'x')::text")
          .query(String.class)
          .single();

      archivingMetrics.refresh();
      String metrics = management.get("/actuator/prometheus", null).body();
      Matcher held =
          Pattern.compile(
                  "taskifai_replication_slot_retained_bytes\\{[^}]*server_id=\""
                      + server
                      + "\",slot=\""
                      + slot
                      + "\"[^}]*\\} ([0-9.E]+)")
              .matcher(metrics);
      assertThat(held.find()).as(metrics).isTrue();
      assertThat(Double.parseDouble(held.group(1))).isPositive();

      admin
          .sql("SELECT pg_drop_replication_slot(:s)::text")
          .param("s", slot)
          .query(String.class)
          .list();
      archivingMetrics.refresh();
      assertThat(management.get("/actuator/prometheus", null).body())
          .doesNotContain("slot=\"" + slot + "\"");
    } finally {
      admin
          .sql(
              "SELECT pg_drop_replication_slot(slot_name)::text FROM pg_replication_slots"
                  + " WHERE slot_name = :s")
          .param("s", slot)
          .query(String.class)
          .list();
      forgetServers(server);
    }
  }

  private UUID activeTenant(String serverId) {
    UUID id = UUID.randomUUID();
    String subdomain = "pitr-" + id.toString().substring(0, 8);
    registry.reserve(
        new TenantRegistry.Reservation(id, subdomain, "Pitr Ltd", "a@pitr.test", "pitr-test"));
    registry.assignDatabase(id, serverId, "db_" + subdomain.replace('-', '_'));
    registry.setStatus(id, TenantStatus.ACTIVE);
    return id;
  }

  private JsonNode detail(UUID tenant, String token) {
    Answer a = http.get("/admin/tenants/" + tenant, token);
    assertThat(a.status()).as(a.body()).isEqualTo(200);
    return a.json();
  }

  private Answer register(String id, String url, String password, String token) {
    return http.post(
        "/admin/servers",
        AdminHttp.json(
            "id",
            id,
            "region",
            "pitr-test",
            "jdbc_url",
            url,
            "admin_username",
            "postgres",
            "admin_password",
            password,
            "capacity",
            1,
            "connection_budget",
            5),
        token);
  }

  private JsonNode listed(String id, String token) {
    Answer list = http.get("/admin/servers", token);
    assertThat(list.status()).isEqualTo(200);
    for (JsonNode item : list.json().get("items")) {
      if (item.get("id").asString().equals(id)) {
        return item;
      }
    }
    throw new AssertionError(id + " is not listed: " + list.body());
  }
}
