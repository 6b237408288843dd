package com.taskifai.activities.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.activities.ActivitiesFixture;
import com.taskifai.activities.backup.BackupSettings;
import com.taskifai.activities.backup.PgClient;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.ServerArchives;
import com.taskifai.registry.embedded.ScratchPostgres;
import com.taskifai.registry.embedded.WalArchive;
import com.taskifai.registry.testing.ArchivingTestServer;
import com.taskifai.workflows.ports.BackupActivities.BackupInput;
import com.taskifai.workflows.ports.PointInTimeActivities.PointInTimeInput;
import com.taskifai.workflows.ports.ReserveTenantInput;
import com.taskifai.workflows.ports.StepInput;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A restore to a point in time against a real archiving server (pgBackRest, embedded PostgreSQL):
 * rows written at t1 &lt; t2 &lt; t3, the tenant's database restored (copy) to a moment between t2
 * and t3 holds the rows of t1 and t2 and not that of t3; the tenant's own database and another
 * tenant's on the same server are untouched; a scratch instance a killed attempt left running is
 * stopped by the step done again; the verified copy swaps in through the backup restore's swap; the
 * scratch instance and folder are gone afterwards.
 */
class PointInTimeRestoresTest {
  static final String SERVER = "pg-pitr-restore";
  private static final String REGION = "pitr-restore";

  static final ActivitiesFixture fx = new ActivitiesFixture();
  private static final ServerAccess access =
      new ServerAccess(fx.tenants, new DatabaseServers(fx.platform.platform()), fx.cipher);

  @TempDir Path home;

  @Test
  void aCopyRestoredBetweenT2AndT3HoldsTheRowsOfT1AndT2AndNotThatOfT3() throws Exception {
    try (ArchivingTestServer pg = ArchivingTestServer.start(home, SERVER)) {
      register(pg);
      UUID tenant = provision().tenantId();
      UUID other = provision().tenantId();
      insertProducts(database(pg, other), "other-1");
      pg.archive().backup("full", ArchivingTestServer.PASSWORD);

      insertProducts(database(pg, tenant), "sku-t1");
      insertProducts(database(pg, tenant), "sku-t2");
      Thread.sleep(1_100);
      Instant at = Instant.now();
      Thread.sleep(1_100);
      insertProducts(database(pg, tenant), "sku-t3");
      insertProducts(database(pg, other), "other-2");
      pg.waitForArchived(pg.writeAndSwitchWal(), Duration.ofSeconds(30));

      var restores =
          new PointInTimeRestores(
              access,
              new PgPipes(new PgClient(BackupSettings.defaults().pgBin())),
              fx.platform.platform(),
              WalArchive::findTool);
      String current = fx.tenant(tenant).databaseName();
      PointInTimeInput input = new PointInTimeInput(tenant, "p1", at, "restore-to-time:p1");

      var target = restores.preparePointInTimeCopy(input);
      restores.restoreScratch(input);
      // A worker killed while the scratch instance ran leaves it running: the step done again
      // stops it and starts from an empty folder.
      Path scratches = pg.archive().repository().getParent().resolveSibling("pitr-scratch");
      Path scratchData;
      try (var folders = Files.list(scratches)) {
        scratchData = folders.findFirst().orElseThrow().resolve("data");
      }
      ScratchPostgres.start(
          scratchData,
          home.resolve("left-auth"),
          ArchivingTestServer.PASSWORD,
          Duration.ofMinutes(1));
      assertThat(postgresProcessesOn(scratches)).isPositive();
      restores.restoreScratch(input);
      assertThat(postgresProcessesOn(scratches)).isZero();
      restores.copyFromScratch(input, target.newDatabase());
      restores.verifyCopy(input, target.newDatabase());

      assertThat(target.currentDatabase()).isEqualTo(current);
      assertThat(target.newDatabase()).isEqualTo(current + "_rp1");
      assertThat(skus(database(pg, target.newDatabase()))).containsExactly("sku-t1", "sku-t2");
      // The tenant stays on its database, with every row; the other tenant is untouched.
      assertThat(fx.tenant(tenant).databaseName()).isEqualTo(current);
      assertThat(skus(database(pg, current))).containsExactly("sku-t1", "sku-t2", "sku-t3");
      assertThat(skus(database(pg, other))).containsExactly("other-1", "other-2");

      // A row added to the copy after the copy is caught by the check.
      insertProducts(database(pg, target.newDatabase()), "sku-late");
      assertThatThrownBy(() -> restores.verifyCopy(input, target.newDatabase()))
          .isInstanceOfSatisfying(
              ApplicationFailure.class,
              e -> assertThat(e.getOriginalMessage()).contains("differ from the scratch's"));

      assertThat(scratches).isNotEmptyDirectory();
      JdbcClient.create(database(pg, target.newDatabase()))
          .sql("DELETE FROM products WHERE sku = 'sku-late'")
          .update();

      // The latest moment, after the server's last write: the copy holds every row.
      PointInTimeInput latest = new PointInTimeInput(tenant, "p2", Instant.now(), "p2");
      var newest = restores.preparePointInTimeCopy(latest);
      restores.restoreScratch(latest);
      restores.copyFromScratch(latest, newest.newDatabase());
      restores.verifyCopy(latest, newest.newDatabase());
      restores.removeScratch(latest);
      assertThat(skus(database(pg, newest.newDatabase())))
          .containsExactly("sku-t1", "sku-t2", "sku-t3");

      // replace: the verified copy goes through the backup restore's swap under the claim.
      var backups = fx.activities.backups();
      backups.claimOperation(tenant, "RESTORING", input.operationId());
      backups.swapDatabase(
          new BackupInput(tenant, null, input.operationId(), "restore-to-time", "test"), target);
      backups.releaseOperation(tenant, input.operationId());
      assertThat(fx.tenant(tenant).databaseName()).isEqualTo(target.newDatabase());
      assertThat(skus(database(pg, tenant))).containsExactly("sku-t1", "sku-t2");
      assertThat(skus(database(pg, other))).containsExactly("other-1", "other-2");

      restores.removeScratch(input);
      restores.removeScratch(input); // removing what is gone is done
      assertThat(scratches).isEmptyDirectory();
      assertThat(postgresProcessesOn(scratches)).isZero();
    }
  }

  /** Registers the archiving server (the only one of its region) and its archive. */
  static void register(ArchivingTestServer pg) {
    new DatabaseServers(fx.platform.platform())
        .upsert(
            fx.cipher, SERVER, REGION, pg.jdbcUrl(), "postgres", ArchivingTestServer.PASSWORD, 10);
    new ServerArchives(fx.platform.platform())
        .record(
            SERVER, pg.archive().configFile().toString(), pg.archive().repository().toString(), 7);
  }

  static long postgresProcessesOn(Path scratches) {
    return ProcessHandle.allProcesses()
        .filter(
            p ->
                p.info()
                    .arguments()
                    .map(a -> String.join(" ", a).contains(scratches.toString()))
                    .orElse(false))
        .count();
  }

  static StepInput provision() {
    UUID id = UUID.randomUUID();
    String subdomain = ActivitiesFixture.newSubdomain();
    fx.activities
        .registry()
        .reserveTenant(
            new ReserveTenantInput(
                id, subdomain, "Acme", "admin@" + subdomain + ".test", REGION, "test"));
    StepInput input = StepInput.of(id, subdomain);
    fx.activities.registry().placeDatabase(input);
    var db = fx.activities.database();
    db.createDatabase(input);
    fx.activities.registry().storeCredentials(input);
    db.migrateSchema(input);
    return input;
  }

  static DataSource database(ArchivingTestServer pg, UUID tenantId) {
    return database(pg, fx.tenant(tenantId).databaseName());
  }

  static DataSource database(ArchivingTestServer pg, String name) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl("jdbc:postgresql://127.0.0.1:" + pg.server().getPort() + "/" + name);
    ds.setUser("postgres");
    ds.setPassword(ArchivingTestServer.PASSWORD);
    return ds;
  }

  static void insertProducts(DataSource ds, String... skus) {
    for (String sku : skus) {
      JdbcClient.create(ds)
          .sql("INSERT INTO products (sku, name) VALUES (:sku, :name)")
          .param("sku", sku)
          .param("name", "product " + sku)
          .update();
    }
  }

  static List<String> skus(DataSource ds) {
    return JdbcClient.create(ds)
        .sql("SELECT sku FROM products ORDER BY sku")
        .query(String.class)
        .list();
  }
}
