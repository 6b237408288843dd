package com.taskifai.activities.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.activities.ActivitiesFixture;
import com.taskifai.activities.StagedSecrets;
import com.taskifai.activities.database.TenantDatabaseNames;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.ReconcileReports;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.tenantschema.TrialSchema;
import com.taskifai.workflows.ports.FleetScan;
import com.taskifai.workflows.ports.Orphan;
import com.taskifai.workflows.ports.OrphanRemoval;
import com.taskifai.workflows.ports.ReconcileReport;
import com.taskifai.workflows.ports.RemovalOutcome;
import com.taskifai.workflows.ports.StepInput;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reconciler against the real embedded server: objects made by hand with tenant names are
 * reported and can be removed, a live tenant's are neither.
 */
class FleetActivitiesTest {
  private final ActivitiesFixture fx = new ActivitiesFixture();
  private final FleetActivitiesImpl fleet = fx.activities.fleet();
  private StepInput live;
  private TenantDatabaseNames liveNames;
  private TenantDatabaseNames ghost;
  private UUID ghostId;

  @BeforeEach
  void fleet() {
    live = fx.reserveAndPlace();
    fx.activities.database().createDatabase(live);
    fx.activities.dns().configureDns(live);
    liveNames = TenantDatabaseNames.of(live.tenantId());
    ghostId = UUID.randomUUID();
    ghost = TenantDatabaseNames.of(ghostId);
    TestPostgres.execute(
        fx.server(),
        "CREATE ROLE " + ghost.ownerRole() + " NOLOGIN",
        "CREATE DATABASE " + ghost.database() + " OWNER " + ghost.ownerRole());
  }

  @AfterEach
  void cleanUp() {
    TestPostgres.execute(
        fx.server(),
        "DROP DATABASE IF EXISTS " + ghost.database() + " WITH (FORCE)",
        "DROP ROLE IF EXISTS " + ghost.ownerRole());
    fx.activities.database().dropDatabase(live);
  }

  @Test
  void reportsWhatIsMadeByHandAndNotWhatALiveTenantOwns() {
    String ghostHost = "ghost-" + ProcessHandle.current().pid() + ".localhost";
    ActivitiesFixture.jdbc(fx.platform.owner())
        .sql(
            "INSERT INTO dns_records (name, record_type, value, ttl) VALUES (?, 'A', '127.0.0.1', 60)")
        .param(ghostHost)
        .update();
    UUID strayTenant = UUID.randomUUID();
    fx.secrets.put(strayTenant, StagedSecrets.APP_PASSWORD, "left-behind");

    FleetScan scan = fleet.scanFleet();

    assertThat(scan.problems()).isEmpty();
    List<String> found = scan.orphans().stream().map(o -> o.kind() + " " + o.name()).toList();
    assertThat(found)
        .contains(
            "database " + ghost.database(),
            "role " + ghost.ownerRole(),
            "dns_record " + ghostHost,
            "staged_secret " + strayTenant)
        .doesNotContain(
            "database " + liveNames.database(),
            "role " + liveNames.ownerRole(),
            "role " + liveNames.appRole(),
            "dns_record " + live.subdomain() + ".localhost");
    Orphan db =
        scan.orphans().stream()
            .filter(o -> o.name().equals(ghost.database()))
            .findFirst()
            .orElseThrow();
    assertThat(db.serverId()).isEqualTo(ActivitiesFixture.SERVER_ID);
    assertThat(db.tenantId()).isEqualTo(ghostId);
    assertThat(db.reason()).contains("no tenant");
    // The secret's value never appears in the report.
    assertThat(scan.toString()).doesNotContain("left-behind");

    long id =
        fleet.recordReport(new ReconcileReport("wf-1", "ops@test", scan.orphans(), List.of()));
    ReconcileReports.Report saved =
        new ReconcileReports(fx.platform.platform()).latest().orElseThrow();
    assertThat(saved.id()).isEqualTo(id);
    assertThat(saved.find("database", ghost.database())).isPresent();
    assertThat(saved.countByKind())
        .containsEntry(
            "staged_secret",
            (int) scan.orphans().stream().filter(o -> o.kind().equals("staged_secret")).count());
    assertThat(
            fx.audit.query(new AuditLog.Query(null, "ops@test", "fleet.reconcile", null, null, 10)))
        .singleElement()
        .satisfies(e -> assertThat(e.outcome()).isEqualTo("reported"));
  }

  @Test
  void aTrialDatabaseWithATableOutsideTheIsolationIsReportedAsCritical() {
    DataSource shared = fx.sharedTrialDatabase();
    assertThat(kinds(fleet.scanFleet())).doesNotContain(Orphan.UNSCOPED_TRIAL_DATABASE);

    // A change by hand: a table of rows without tenant_id, and a policy dropped.
    TestPostgres.execute(
        shared,
        "CREATE TABLE reconcile_notes (id bigserial PRIMARY KEY, body text)",
        "DROP POLICY trial_isolation ON products");
    try {
      FleetScan scan = fleet.scanFleet();

      assertThat(scan.problems()).isEmpty();
      assertThat(scan.orphans())
          .filteredOn(o -> o.kind().equals(Orphan.UNSCOPED_TRIAL_DATABASE))
          .singleElement()
          .satisfies(
              o -> {
                assertThat(o.name()).isEqualTo(TrialSchema.DATABASE);
                assertThat(o.serverId()).isEqualTo(ActivitiesFixture.SERVER_ID);
                assertThat(o.reason())
                    .startsWith("critical")
                    .contains("reconcile_notes: no tenant_id column")
                    .contains("products: no restrictive trial_isolation policy");
              });
      fleet.recordReport(new ReconcileReport("wf-trial", "ops@test", scan.orphans(), List.of()));
      assertThat(new ReconcileReports(fx.platform.platform()).latest().orElseThrow().countByKind())
          .containsEntry(Orphan.UNSCOPED_TRIAL_DATABASE, 1);
      // Not an orphan to drop: the removal refuses it.
      assertThat(
              fleet
                  .removeOrphan(
                      new OrphanRemoval(
                          Orphan.UNSCOPED_TRIAL_DATABASE,
                          TrialSchema.DATABASE,
                          ActivitiesFixture.SERVER_ID,
                          "ops@test"))
                  .removed())
          .isFalse();
      assertThat(fx.databaseExists(TrialSchema.DATABASE)).isTrue();
    } finally {
      TestPostgres.execute(shared, "DROP TABLE IF EXISTS reconcile_notes");
      TrialSchema.prepare(shared, TenantSchema.DEFAULT_LOCATIONS);
    }
    assertThat(kinds(fleet.scanFleet())).doesNotContain(Orphan.UNSCOPED_TRIAL_DATABASE);
  }

  private static List<String> kinds(FleetScan scan) {
    return scan.orphans().stream().map(Orphan::kind).toList();
  }

  @Test
  void aTenantThatFailedLeavesOrphansBehind() {
    fx.tenants.setStatus(live.tenantId(), TenantStatus.FAILED);

    List<String> found =
        fleet.scanFleet().orphans().stream().map(o -> o.kind() + " " + o.name()).toList();

    assertThat(found).contains("database " + liveNames.database(), "role " + liveNames.appRole());
  }

  @Test
  void removalDropsAnOrphanAndRefusesWhatALiveTenantOwns() {
    String server = ActivitiesFixture.SERVER_ID;
    // The role still owns the database: PostgreSQL refuses, and so does the removal.
    RemovalOutcome roleFirst =
        fleet.removeOrphan(new OrphanRemoval("role", ghost.ownerRole(), server, "ops@test"));
    assertThat(roleFirst.removed()).isFalse();
    assertThat(fx.roleExists(ghost.ownerRole())).isTrue();

    assertThat(
            fleet.removeOrphan(new OrphanRemoval("database", ghost.database(), server, "ops@test")))
        .isEqualTo(RemovalOutcome.done());
    assertThat(fx.databaseExists(ghost.database())).isFalse();
    assertThat(fleet.removeOrphan(new OrphanRemoval("role", ghost.ownerRole(), server, "ops@test")))
        .isEqualTo(RemovalOutcome.done());
    assertThat(fx.roleExists(ghost.ownerRole())).isFalse();

    RemovalOutcome refused =
        fleet.removeOrphan(new OrphanRemoval("database", liveNames.database(), server, "ops@test"));
    assertThat(refused.removed()).isFalse();
    assertThat(refused.reason()).contains("not an orphan");
    assertThat(fx.databaseExists(liveNames.database())).isTrue();
    assertThat(
            fleet
                .removeOrphan(new OrphanRemoval("role", liveNames.appRole(), server, "ops@test"))
                .removed())
        .isFalse();
    assertThat(fx.roleExists(liveNames.appRole())).isTrue();
    assertThat(
            fleet
                .removeOrphan(
                    new OrphanRemoval(
                        "dns_record", live.subdomain() + ".localhost", null, "ops@test"))
                .removed())
        .isFalse();
    assertThat(fx.dnsRecords(live.subdomain() + ".localhost")).isEqualTo(1);

    List<String> audited =
        fx
            .audit
            .query(new AuditLog.Query(null, "ops@test", "orphan.remove", null, null, 10))
            .stream()
            .map(AuditLog.Entry::outcome)
            .toList();
    assertThat(audited)
        .containsExactly("refused", "removed", "removed", "refused", "refused", "refused");
  }
}
