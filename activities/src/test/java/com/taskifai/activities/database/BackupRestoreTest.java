package com.taskifai.activities.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.activities.ActivitiesFixture;
import com.taskifai.activities.backup.BackupCipher;
import com.taskifai.activities.backup.BackupSettings;
import com.taskifai.activities.backup.FolderBackupStore;
import com.taskifai.registry.Backups;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.workflows.ports.BackupActivities.BackupInput;
import com.taskifai.workflows.ports.BackupActivities.RestoreTarget;
import com.taskifai.workflows.ports.StepInput;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Backups and restores against the embedded PostgreSQL 15 with the real pg_dump and pg_restore,
 * into a folder store: what is restored is what was backed up, a damaged or replaced backup changes
 * nothing, and what an archive holds runs as the tenant's owner role, never as the server's admin.
 */
class BackupRestoreTest {
  private static final ActivitiesFixture fx = new ActivitiesFixture();
  private static final Path folder = tempFolder();
  private static final ServerAccess access =
      new ServerAccess(fx.tenants, new DatabaseServers(fx.platform.platform()), fx.cipher);
  private static final BackupActivitiesImpl backups =
      backupsOn(new FolderBackupStore(folder), BackupSettings.defaults(), Clock.systemUTC());
  private static final Backups table = new Backups(fx.platform.platform());
  private static final TenantOperations operations = new TenantOperations(fx.platform.platform());

  /** The backup activities on a store, pg_dump settings and clock, beside the fixture's. */
  private static BackupActivitiesImpl backupsOn(
      com.taskifai.activities.backup.BackupStore store, BackupSettings settings, Clock clock) {
    return new BackupActivitiesImpl(
        fx.platform.platform(),
        access,
        new PgPipes(new com.taskifai.activities.backup.PgClient(settings.pgBin())),
        new SharedTrialDatabases(
            fx.platform.platform(),
            fx.cipher,
            com.taskifai.tenantschema.TenantSchema.DEFAULT_LOCATIONS),
        fx.cipher,
        store,
        clock);
  }

  private static Path tempFolder() {
    try {
      return Files.createTempDirectory("taskifai-backups");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void restoresTheRowsAsTheyWereAtTheBackupAndSwapsThePointer() throws Exception {
    StepInput t = provision();
    UUID tenantId = t.tenantId();
    String original = fx.tenant(tenantId).databaseName();
    insertProducts(current(tenantId), "sku-1", "sku-2", "sku-3");

    UUID backupId = UUID.randomUUID();
    BackupInput backup =
        new BackupInput(tenantId, backupId, "backup:" + backupId, "manual", "test");
    var summary = backups.dumpDatabase(backup);
    Backups.Backup row = table.find(backupId).orElseThrow();
    assertThat(row.status()).isEqualTo("GOOD");
    assertThat(row.sha256()).hasSize(64).isEqualTo(summary.sha256());
    assertThat(row.sizeBytes()).isEqualTo(Files.size(folder.resolve(row.objectKey())));
    assertThat(row.schemaVersion()).isNotBlank();
    assertThat(row.serverVersion()).startsWith("15.");
    assertThat(row.manifest()).contains("\"products\": 3").doesNotContain("sku-1");
    // Encrypted at rest: the stored object holds no product name in plaintext.
    assertThat(new String(Files.readAllBytes(folder.resolve(row.objectKey())), "ISO-8859-1"))
        .doesNotContain("sku-1")
        .doesNotContain("product sku-2");

    // Rows change after the backup.
    insertProducts(current(tenantId), "sku-4", "sku-5");
    JdbcClient.create(current(tenantId)).sql("DELETE FROM products WHERE sku = 'sku-1'").update();

    String op = "restore:r1";
    backups.claimOperation(tenantId, "RESTORING", op);
    RestoreTarget target =
        backups.prepareRestore(new BackupInput(tenantId, backupId, op, "restore", null), "r1");
    assertThat(target.currentDatabase()).isEqualTo(original);
    BackupInput restore = new BackupInput(tenantId, backupId, op, "restore", null);
    backups.restoreDatabase(restore, target.newDatabase());
    backups.verifyRestore(restore, target.newDatabase());
    backups.swapDatabase(restore, target);
    backups.swapDatabase(restore, target); // a retried swap is done
    backups.releaseOperation(tenantId, op);

    Tenant after = fx.tenant(tenantId);
    assertThat(after.databaseName()).isEqualTo(target.newDatabase());
    assertThat(operations.current(tenantId)).isEmpty();
    assertThat(operations.writesHeld(tenantId)).isFalse();
    assertThat(skus(current(tenantId))).containsExactly("sku-1", "sku-2", "sku-3");
    // The app role reaches the restored database with the stored credentials.
    TenantCredentials creds = TenantCredentials.decrypt(fx.cipher, after);
    assertThat(creds.jdbcUrl()).endsWith("/" + target.newDatabase());
    try (Connection c =
        DriverManager.getConnection(creds.jdbcUrl(), creds.username(), creds.password())) {
      assertThat(c.createStatement().executeQuery("SELECT count(*) FROM vendor_configs").next())
          .isTrue();
    }
    // The old database is kept until retired, then dropped; the current one never is.
    assertThat(fx.databaseExists(original)).isTrue();
    backups.dropRetiredDatabase(tenantId, target.newDatabase());
    assertThat(fx.databaseExists(target.newDatabase())).isTrue();
    backups.dropRetiredDatabase(tenantId, original);
    assertThat(fx.databaseExists(original)).isFalse();
  }

  @Test
  void afterAReplaceRestoreAnExtensionAndARolloutChangeTheRestoredDatabaseNotTheRetiredOne()
      throws Exception {
    StepInput t = provision();
    UUID tenantId = t.tenantId();
    fx.tenants.setStatus(tenantId, com.taskifai.registry.TenantStatus.ACTIVE);
    String original = fx.tenant(tenantId).databaseName();
    UUID backupId = UUID.randomUUID();
    backups.dumpDatabase(new BackupInput(tenantId, backupId, "backup:" + backupId, "manual", "t"));
    String op = "restore:ext";
    backups.claimOperation(tenantId, "RESTORING", op);
    BackupInput restore = new BackupInput(tenantId, backupId, op, "restore", null);
    RestoreTarget target = backups.prepareRestore(restore, "ext");
    backups.restoreDatabase(restore, target.newDatabase());
    backups.verifyRestore(restore, target.newDatabase());
    backups.swapDatabase(restore, target);
    backups.releaseOperation(tenantId, op);
    assertThat(fx.databaseExists(original)).isTrue();

    fx.activities
        .migrations()
        .applyExtension(
            new com.taskifai.workflows.migration.TenantExtensionInput(
                tenantId, "custom_fields", "t"));
    String rollout = "mig-" + UUID.randomUUID().toString().substring(0, 8);
    fx.activities
        .migrations()
        .start(
            new com.taskifai.workflows.migration.FleetMigrationActivities.Start(
                rollout, "1", "test", "{}"));
    var migrated =
        fx.activities
            .migrations()
            .migrateTenant(
                new com.taskifai.workflows.migration.TenantMigrationInput(
                    rollout, tenantId, "1", false));

    assertThat(migrated.error()).isNull();
    assertThat(tables(current(tenantId))).contains("custom_field_definitions");
    assertThat(tables(TestPostgres.superuser(original))).doesNotContain("custom_field_definitions");
    assertThat(operations.current(tenantId)).isEmpty();
  }

  private static List<String> tables(DataSource ds) {
    return JdbcClient.create(ds)
        .sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        .query(String.class)
        .list();
  }

  @Test
  void aSwapThatFailsAfterTheFenceLeavesTheOldDatabaseWritableForTheAppRole() throws Exception {
    StepInput t = provision();
    UUID tenantId = t.tenantId();
    String original = fx.tenant(tenantId).databaseName();
    UUID backupId = UUID.randomUUID();
    backups.dumpDatabase(
        new BackupInput(tenantId, backupId, "backup:" + backupId, "manual", "test"));
    String op = "restore:f1";
    backups.claimOperation(tenantId, "RESTORING", op);
    BackupInput restore = new BackupInput(tenantId, backupId, op, "restore", null);
    RestoreTarget target = backups.prepareRestore(restore, "f1");
    backups.restoreDatabase(restore, target.newDatabase());
    backups.verifyRestore(restore, target.newDatabase());
    // The registry refuses the swap after the old database was fenced.
    String trigger = "refuse_swap_" + tenantId.toString().replace("-", "");
    TestPostgres.execute(
        fx.platform.owner(),
        "CREATE FUNCTION "
            + trigger
            + "() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN RAISE EXCEPTION 'registry unavailable'; END $$",
        "CREATE TRIGGER "
            + trigger
            + " BEFORE UPDATE OF database_name ON tenants FOR EACH ROW WHEN (NEW.tenant_id = '"
            + tenantId
            + "') EXECUTE FUNCTION "
            + trigger
            + "()");
    try {
      assertThatThrownBy(() -> backups.swapDatabase(restore, target))
          .hasMessageContaining("registry unavailable");
    } finally {
      TestPostgres.execute(
          fx.platform.owner(),
          "DROP TRIGGER " + trigger + " ON tenants",
          "DROP FUNCTION " + trigger + "()");
    }
    assertThat(appCommitsAWrite(fx.tenant(tenantId), "after-failed-swap")).isTrue();
    backups.undoSwapDatabase(restore, target); // the workflow's undo finds nothing to lift
    assertThat(appCommitsAWrite(fx.tenant(tenantId), "after-undo")).isTrue();
    assertThat(fx.tenant(tenantId).databaseName()).isEqualTo(original);
    backups.releaseOperation(tenantId, op);
  }

  @Test
  void afterTheSwapTheOldDatabaseRefusesTheAppRoleAndTheUndoLeavesItFenced() throws Exception {
    StepInput t = provision();
    UUID tenantId = t.tenantId();
    Tenant before = fx.tenant(tenantId);
    UUID backupId = UUID.randomUUID();
    backups.dumpDatabase(
        new BackupInput(tenantId, backupId, "backup:" + backupId, "manual", "test"));
    String op = "restore:s1";
    backups.claimOperation(tenantId, "RESTORING", op);
    BackupInput restore = new BackupInput(tenantId, backupId, op, "restore", null);
    RestoreTarget target = backups.prepareRestore(restore, "s1");
    backups.restoreDatabase(restore, target.newDatabase());
    backups.verifyRestore(restore, target.newDatabase());
    TenantCredentials creds = TenantCredentials.decrypt(fx.cipher, before);
    try (Connection stale =
        DriverManager.getConnection(creds.jdbcUrl(), creds.username(), creds.password())) {
      backups.swapDatabase(restore, target);
      backups.undoSwapDatabase(restore, target); // after the swap: the fence stays
      backups.releaseOperation(tenantId, op);
      assertThatThrownBy(
              () ->
                  stale
                      .createStatement()
                      .execute("INSERT INTO products (sku, name) VALUES ('x', 'x')"))
          .isInstanceOf(java.sql.SQLException.class);
    }
    assertThat(appCommitsAWrite(before, "stale-router")).isFalse();
    assertThatThrownBy(
            () ->
                DriverManager.getConnection(creds.jdbcUrl(), creds.username(), creds.password())
                    .close())
        .hasMessageContaining("permission denied for database");
    assertThat(appCommitsAWrite(fx.tenant(tenantId), "on-the-new-one")).isTrue();
  }

  @Test
  void aCopyIsSealedReadOnlyAndClosedToTheAppRole() throws Exception {
    StepInput t = provision();
    UUID tenantId = t.tenantId();
    UUID backupId = UUID.randomUUID();
    backups.dumpDatabase(
        new BackupInput(tenantId, backupId, "backup:" + backupId, "manual", "test"));
    BackupInput restore = new BackupInput(tenantId, backupId, "restore:c1", "restore", null);
    RestoreTarget target = backups.prepareRestore(restore, "c1");
    backups.restoreDatabase(restore, target.newDatabase());
    backups.verifyRestore(restore, target.newDatabase());
    backups.sealRestoredCopy(restore, target.newDatabase());
    backups.sealRestoredCopy(restore, target.newDatabase()); // a retry changes nothing

    TenantCredentials creds = TenantCredentials.decrypt(fx.cipher, fx.tenant(tenantId));
    String copyUrl = TenantDatabaseNames.jdbcUrl(creds.jdbcUrl(), target.newDatabase());
    assertThatThrownBy(
            () -> DriverManager.getConnection(copyUrl, creds.username(), creds.password()).close())
        .hasMessageContaining("permission denied for database");
    // The operator reads it as the server's admin; a write there is refused as well.
    assertThat(skus(TestPostgres.superuser(target.newDatabase()))).isEmpty();
    assertThatThrownBy(() -> insertProducts(TestPostgres.superuser(target.newDatabase()), "w"))
        .hasMessageContaining("read-only");
    assertThatThrownBy(() -> backups.sealRestoredCopy(restore, fx.tenant(tenantId).databaseName()))
        .isInstanceOf(ApplicationFailure.class);
    assertThat(appCommitsAWrite(fx.tenant(tenantId), "tenant-unaffected")).isTrue();
  }

  /** Inserts a product as the app role where {@code t} points, as a router does; true on commit. */
  private static boolean appCommitsAWrite(Tenant t, String sku) {
    TenantCredentials creds = TenantCredentials.decrypt(fx.cipher, t);
    try (Connection c =
        DriverManager.getConnection(creds.jdbcUrl(), creds.username(), creds.password())) {
      c.setAutoCommit(false);
      c.createStatement().execute("SELECT set_config('app.user_role', 'admin', true)");
      c.createStatement()
          .execute("INSERT INTO products (sku, name) VALUES ('" + sku + "', '" + sku + "')");
      c.commit();
      return true;
    } catch (java.sql.SQLException e) {
      return false;
    }
  }

  @Test
  void aBackupWithOneFlippedByteIsRefusedBeforeAnythingChanges() throws Exception {
    StepInput t = provision();
    UUID tenantId = t.tenantId();
    insertProducts(current(tenantId), "a-1");
    UUID backupId = UUID.randomUUID();
    backups.dumpDatabase(new BackupInput(tenantId, backupId, "backup:x", "manual", "test"));
    Path file = folder.resolve(table.find(backupId).orElseThrow().objectKey());
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x01;
    Files.write(file, bytes);
    Tenant before = fx.tenant(tenantId);

    assertThatThrownBy(
            () ->
                backups.prepareRestore(
                    new BackupInput(tenantId, backupId, "restore:r2", "restore", null), "r2"))
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("SHA-256")
        .matches(e -> ((ApplicationFailure) e).isNonRetryable());

    Tenant after = fx.tenant(tenantId);
    assertThat(after.databaseName()).isEqualTo(before.databaseName());
    assertThat(after.encryptedDatabaseUrl()).isEqualTo(before.encryptedDatabaseUrl());
    assertThat(fx.databaseExists(before.databaseName() + "_rr2")).isFalse();
  }

  @Test
  void aBackupCraftedToCreateARoleOrAlterTheSystemFailsToRestoreAndChangesNothing()
      throws Exception {
    StepInput t = provision();
    UUID tenantId = t.tenantId();
    String owner = TenantDatabaseNames.of(tenantId).ownerRole();
    String role = "crafted_" + TenantDatabaseNames.hex(tenantId).substring(0, 12);
    markedFunction(tenantId);
    Map<String, String> attacks =
        Map.of(
            "role",
            "CREATE ROLE " + role + " SUPERUSER LOGIN;",
            "system",
            "ALTER SYSTEM SET taskifai.crafted = 'yes';");
    for (Map.Entry<String, String> attack : attacks.entrySet()) {
      UUID backupId = UUID.randomUUID();
      backups.dumpDatabase(new BackupInput(tenantId, backupId, "backup:c", "manual", "test"));
      rewrite(backupId, archive -> replaceMarker(archive, attack.getValue()), true);
      String restoreId = "c" + attack.getKey().charAt(0);
      BackupInput input = new BackupInput(tenantId, backupId, "restore:c", "restore", null);
      RestoreTarget target = backups.prepareRestore(input, restoreId);

      assertThatThrownBy(() -> backups.restoreDatabase(input, target.newDatabase()))
          .as(attack.getKey())
          .isInstanceOf(ApplicationFailure.class)
          .hasMessageContaining("pg_restore exited with");
      assertThat(holdsTables(target.newDatabase())).as(attack.getKey()).isZero();
    }
    JdbcClient postgres = JdbcClient.create(TestPostgres.superuser("postgres"));
    assertThat(
            postgres
                .sql("SELECT count(*) FROM pg_roles WHERE rolname = ?")
                .param(role)
                .query(Long.class)
                .single())
        .isZero();
    assertThat(
            postgres
                .sql("SELECT count(*) FROM pg_file_settings WHERE name = 'taskifai.crafted'")
                .query(Long.class)
                .single())
        .isZero();
    // The one-time login is taken back after a failed restore too.
    assertThat(
            postgres
                .sql(
                    "SELECT rolcanlogin OR rolpassword IS NOT NULL FROM pg_authid WHERE rolname = ?")
                .param(owner)
                .query(Boolean.class)
                .single())
        .isFalse();
  }

  @Test
  void aSuperuserOwnedSecurityDefinerFunctionIsRestoredOwnedByTheTenantOwner() throws Exception {
    StepInput t = provision();
    UUID tenantId = t.tenantId();
    TenantDatabaseNames names = TenantDatabaseNames.of(tenantId);
    markedFunction(tenantId);
    insertProducts(current(tenantId), "f-1");
    UUID backupId = UUID.randomUUID();
    backups.dumpDatabase(new BackupInput(tenantId, backupId, "backup:f", "manual", "test"));
    BackupInput input = new BackupInput(tenantId, backupId, "restore:f", "restore", null);
    RestoreTarget target = backups.prepareRestore(input, "f");

    backups.restoreDatabase(input, target.newDatabase());
    backups.verifyRestore(input, target.newDatabase());

    JdbcClient restored = JdbcClient.create(TestPostgres.superuser(target.newDatabase()));
    assertThat(
            restored
                .sql(
                    "SELECT r.rolname || ' ' || r.rolsuper FROM pg_proc p"
                        + " JOIN pg_roles r ON r.oid = p.proowner WHERE p.proname = 'crafted'")
                .query(String.class)
                .single())
        .isEqualTo(names.ownerRole() + " false");
    // Every table belongs to the owner; the app role has the platform's grants, not the archive's.
    assertThat(
            restored
                .sql("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
                .query(String.class)
                .list())
        .containsExactly(names.ownerRole());
    TenantCredentials creds = TenantCredentials.decrypt(fx.cipher, fx.tenant(tenantId));
    DataSource app =
        TestPostgres.dataSource(target.newDatabase(), creds.username(), creds.password());
    assertThat(
            JdbcClient.create(app).sql("SELECT count(*) FROM products").query(Long.class).single())
        .isNotNull();
    assertThatThrownBy(
            () ->
                JdbcClient.create(app)
                    .sql("SELECT count(*) FROM flyway_schema_history")
                    .query(Long.class)
                    .single())
        .rootCause()
        .hasMessageContaining("permission denied");
    backups.dropRetiredDatabase(tenantId, target.newDatabase());
  }

  @Test
  void anOwnerRoleWithRightsBeyondATenantsIsNotRestoredAs() throws Exception {
    StepInput t = provision();
    UUID tenantId = t.tenantId();
    String owner = TenantDatabaseNames.of(tenantId).ownerRole();
    UUID backupId = UUID.randomUUID();
    backups.dumpDatabase(new BackupInput(tenantId, backupId, "backup:o", "manual", "test"));
    BackupInput input = new BackupInput(tenantId, backupId, "restore:o", "restore", null);
    RestoreTarget target = backups.prepareRestore(input, "o");
    JdbcClient postgres = JdbcClient.create(TestPostgres.superuser("postgres"));
    postgres.sql("ALTER ROLE " + owner + " CREATEROLE").update();
    try {
      assertThatThrownBy(() -> backups.restoreDatabase(input, target.newDatabase()))
          .isInstanceOf(ApplicationFailure.class)
          .hasMessageContaining("has rights beyond a tenant owner's")
          .hasMessageContaining("NOCREATEROLE")
          .matches(e -> ((ApplicationFailure) e).isNonRetryable());
      assertThat(holdsTables(target.newDatabase())).isZero();
      assertThat(
              postgres
                  .sql("SELECT rolcanlogin FROM pg_roles WHERE rolname = ?")
                  .param(owner)
                  .query(Boolean.class)
                  .single())
          .isFalse();
    } finally {
      postgres.sql("ALTER ROLE " + owner + " NOCREATEROLE").update();
    }
  }

  @Test
  void aBackupReplacedInTheStoreAfterItsCheckFailsTheRestoreBeforeTheSwap() throws Exception {
    StepInput t = provision();
    UUID tenantId = t.tenantId();
    insertProducts(current(tenantId), "d-1", "d-2");
    UUID first = UUID.randomUUID();
    backups.dumpDatabase(new BackupInput(tenantId, first, "backup:d1", "manual", "test"));
    // Same row counts, other rows: only the digest tells the two apart.
    JdbcClient.create(current(tenantId)).sql("UPDATE products SET name = 'changed'").update();
    UUID second = UUID.randomUUID();
    backups.dumpDatabase(new BackupInput(tenantId, second, "backup:d2", "manual", "test"));
    byte[] secondPlain = plaintext(second);
    Tenant before = fx.tenant(tenantId);

    BackupInput input = new BackupInput(tenantId, first, "restore:d", "restore", null);
    RestoreTarget target = backups.prepareRestore(input, "d");
    rewrite(first, ignored -> secondPlain, false);

    assertThatThrownBy(() -> backups.restoreDatabase(input, target.newDatabase()))
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("changed in the store")
        .matches(e -> ((ApplicationFailure) e).isNonRetryable());
    Tenant after = fx.tenant(tenantId);
    assertThat(after.databaseName()).isEqualTo(before.databaseName());
    assertThat(after.encryptedDatabaseUrl()).isEqualTo(before.encryptedDatabaseUrl());
  }

  @Test
  void twoOperationsOnOneTenantAreRefusedNamingTheFirst() {
    StepInput t = provision();
    backups.claimOperation(t.tenantId(), "BACKING_UP", "backup:1");
    backups.claimOperation(t.tenantId(), "BACKING_UP", "backup:1"); // same operation: fine
    assertThatThrownBy(() -> backups.claimOperation(t.tenantId(), "RESTORING", "restore:2"))
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("BACKING_UP (backup:1)");
    backups.releaseOperation(t.tenantId(), "backup:1");
    backups.claimOperation(t.tenantId(), "RESTORING", "restore:2");
    backups.releaseOperation(t.tenantId(), "restore:2");
  }

  @Test
  void aPgDumpOlderThanTheServerDisablesBackupsWithAClearMessage() throws Exception {
    StepInput t = provision();
    Path bin = Files.createTempDirectory("old-pg");
    Path fake = bin.resolve("pg_dump");
    Files.writeString(fake, "#!/bin/sh\necho 'pg_dump (PostgreSQL) 14.11'\n");
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
    Map<String, String> env = new HashMap<>();
    env.put("TASKIFAI_PG_BIN", bin.toString());
    BackupActivitiesImpl old =
        backupsOn(
            new FolderBackupStore(folder), BackupSettings.fromEnvironment(env), Clock.systemUTC());
    UUID backupId = UUID.randomUUID();
    assertThatThrownBy(
            () -> old.dumpDatabase(new BackupInput(t.tenantId(), backupId, "b", "manual", "t")))
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("backups disabled")
        .hasMessageContaining("pg_dump 14 cannot dump a PostgreSQL 15 server")
        .hasMessageContaining("install postgresql-client-15");
    old.failBackup(new BackupInput(t.tenantId(), backupId, "b", "manual", "t"), "version");
    assertThat(table.find(backupId).orElseThrow().status()).isEqualTo("FAILED");
  }

  @Test
  void retentionDeletesExactlyTheExpiredAndNeverTheNewestThree() throws Exception {
    StepInput t = provision();
    UUID tenantId = t.tenantId();
    Instant now = Instant.parse("2030-01-31T00:00:00Z");
    // Ages in days of GOOD backups; with 30 days retention and the newest 3 kept, only the
    // 40- and 45-day-old ones go.
    int[] ages = {1, 20, 31, 40, 45};
    Map<Integer, UUID> ids = new HashMap<>();
    for (int age : ages) {
      ids.put(age, fakeBackup(tenantId, now.minus(Duration.ofDays(age)), true));
    }
    UUID oldFailed = fakeBackup(tenantId, now.minus(Duration.ofDays(35)), false);
    UUID recentFailed = fakeBackup(tenantId, now.minus(Duration.ofDays(2)), false);
    BackupActivitiesImpl atNow =
        backupsOn(
            new FolderBackupStore(folder),
            BackupSettings.defaults(),
            Clock.fixed(now, ZoneOffset.UTC));

    List<UUID> deleted = atNow.applyRetention(tenantId, 30, 3);
    assertThat(deleted).containsExactlyInAnyOrder(ids.get(40), ids.get(45), oldFailed);
    for (UUID gone : deleted) {
      assertThat(table.find(gone).orElseThrow().status()).isEqualTo("DELETED");
      assertThat(folder.resolve(BackupActivitiesImpl.objectKey(tenantId, gone))).doesNotExist();
    }
    for (int age : new int[] {1, 20, 31}) {
      assertThat(table.find(ids.get(age)).orElseThrow().status()).isEqualTo("GOOD");
      assertThat(folder.resolve(BackupActivitiesImpl.objectKey(tenantId, ids.get(age)))).exists();
    }
    assertThat(table.find(recentFailed).orElseThrow().status()).isEqualTo("FAILED");

    // All good backups old: the newest three stay even though all expired.
    UUID t2 = provision().tenantId();
    List<UUID> old = new java.util.ArrayList<>();
    for (int age : new int[] {50, 45, 40, 35}) {
      old.add(fakeBackup(t2, now.minus(Duration.ofDays(age)), true));
    }
    assertThat(atNow.applyRetention(t2, 30, 3)).containsExactly(old.get(0));
    assertThat(atNow.applyRetention(t2, 30, 3)).isEmpty();
  }

  @Test
  void aBackupWhoseUploadFailsIsNeverListedAsGood() throws Exception {
    StepInput t = provision();
    insertProducts(current(t.tenantId()), "s3-1");
    try (var s3 = new com.taskifai.activities.backup.S3MockServer("backups");
        var proxy = new com.taskifai.activities.backup.S3MockServer.FlakyProxy(s3.port);
        var client =
            com.taskifai.activities.backup.S3BackupStore.client(
                java.net.URI.create("http://127.0.0.1:" + proxy.port),
                "us-east-1",
                true,
                "k",
                "s")) {
      var store =
          new com.taskifai.activities.backup.S3BackupStore(
              client, s3.bucket, "", com.taskifai.activities.backup.S3BackupStore.MIN_PART);
      BackupActivitiesImpl viaS3 = backupsOn(store, BackupSettings.defaults(), Clock.systemUTC());
      proxy.cutAfterBytes = 200; // every upload request dies early
      proxy.cuts = -1;
      UUID failed = UUID.randomUUID();
      BackupInput input = new BackupInput(t.tenantId(), failed, "backup:s3", "manual", "test");
      assertThatThrownBy(() -> viaS3.dumpDatabase(input))
          .isInstanceOf(ApplicationFailure.class)
          .hasMessageContaining("backup store s3 failed");
      assertThat(table.find(failed).orElseThrow().status()).isEqualTo("RUNNING");
      viaS3.failBackup(input, "upload failed");
      assertThat(table.find(failed).orElseThrow().status()).isEqualTo("FAILED");

      // The store recovers: nothing of the failed upload is there, the same backup cannot turn
      // good, a new one does, and restores.
      proxy.cuts = 0;
      assertThat(store.exists(BackupActivitiesImpl.objectKey(t.tenantId(), failed))).isFalse();
      assertThatThrownBy(() -> viaS3.dumpDatabase(input)).isInstanceOf(ApplicationFailure.class);
      UUID good = UUID.randomUUID();
      viaS3.dumpDatabase(new BackupInput(t.tenantId(), good, "backup:s3b", "manual", "test"));
      assertThat(table.forTenant(t.tenantId()))
          .filteredOn(Backups.Backup::good)
          .extracting(Backups.Backup::backupId)
          .containsExactly(good);
      RestoreTarget target =
          viaS3.prepareRestore(new BackupInput(t.tenantId(), good, "r", "restore", null), "s3r");
      viaS3.restoreDatabase(
          new BackupInput(t.tenantId(), good, "r", "restore", null), target.newDatabase());
      viaS3.verifyRestore(
          new BackupInput(t.tenantId(), good, "r", "restore", null), target.newDatabase());
      viaS3.dropRetiredDatabase(t.tenantId(), target.newDatabase());
    }
  }

  private UUID fakeBackup(UUID tenantId, Instant at, boolean good) throws Exception {
    UUID id = UUID.randomUUID();
    String key = BackupActivitiesImpl.objectKey(tenantId, id);
    table.start(id, tenantId, "scheduled", "folder", key, "not-a-key");
    new FolderBackupStore(folder).put(key, new java.io.ByteArrayInputStream(new byte[] {1, 2}));
    if (good) {
      table.complete(id, "00", 2, "db", "1", "15", "{}");
    } else {
      table.fail(id, "test");
    }
    JdbcClient.create(fx.platform.owner())
        .sql("UPDATE backups SET started_at = :at, finished_at = :at WHERE backup_id = :id")
        .param("at", java.sql.Timestamp.from(at))
        .param("id", id)
        .update();
    return id;
  }

  /** The text the crafted archives replace: a comment of its own length. */
  private static final String MARKER =
      "COMMENT ON FUNCTION public.crafted() IS '" + "m".repeat(300) + "';";

  /** A SECURITY DEFINER function made and owned by the superuser, with the marker comment. */
  private static void markedFunction(UUID tenantId) {
    JdbcClient db = JdbcClient.create(current(tenantId));
    db.sql(
            "CREATE FUNCTION public.crafted() RETURNS int LANGUAGE sql SECURITY DEFINER"
                + " AS 'SELECT 1'")
        .update();
    db.sql(MARKER).update();
  }

  /** The archive with the marker's statement replaced by {@code sql}, padded to its length. */
  private static byte[] replaceMarker(byte[] archive, String sql) {
    byte[] marker = MARKER.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] replacement =
        (sql + " ".repeat(marker.length - sql.length()))
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    for (int i = 0; i + marker.length <= archive.length; i++) {
      if (java.util.Arrays.equals(archive, i, i + marker.length, marker, 0, marker.length)) {
        byte[] out = archive.clone();
        System.arraycopy(replacement, 0, out, i, replacement.length);
        return out;
      }
    }
    throw new AssertionError("the archive holds no marker");
  }

  /** The decrypted pg_dump archive of a backup. */
  private static byte[] plaintext(UUID backupId) throws Exception {
    Backups.Backup row = table.find(backupId).orElseThrow();
    byte[] key = BackupCipher.unwrap(fx.cipher, backupId, row.dataKey());
    try (var in =
        BackupCipher.decrypting(
            Files.newInputStream(folder.resolve(row.objectKey())), key, backupId)) {
      return in.readAllBytes();
    }
  }

  /**
   * Replaces a backup's stored object with {@code change} of its archive, sealed with its own key;
   * with {@code record} the recorded SHA-256 follows, as if the backup had been made so.
   */
  private static void rewrite(
      UUID backupId, java.util.function.UnaryOperator<byte[]> change, boolean record)
      throws Exception {
    Backups.Backup row = table.find(backupId).orElseThrow();
    byte[] key = BackupCipher.unwrap(fx.cipher, backupId, row.dataKey());
    byte[] sealed =
        BackupCipher.encrypting(
                new java.io.ByteArrayInputStream(change.apply(plaintext(backupId))), key, backupId)
            .readAllBytes();
    Files.write(folder.resolve(row.objectKey()), sealed);
    if (record) {
      JdbcClient.create(fx.platform.owner())
          .sql("UPDATE backups SET sha256 = :sha WHERE backup_id = :id")
          .param(
              "sha",
              java.util.HexFormat.of()
                  .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(sealed)))
          .param("id", backupId)
          .update();
    }
  }

  /** Tables outside the system schemas in a database (zero when it is missing). */
  private static long holdsTables(String database) {
    if (!fx.databaseExists(database)) {
      return 0;
    }
    return JdbcClient.create(TestPostgres.superuser(database))
        .sql(
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
        .query(Long.class)
        .single();
  }

  private static StepInput provision() {
    StepInput input = fx.reserve();
    fx.activities.registry().placeDatabase(input);
    var db = fx.activities.database();
    db.createDatabase(input);
    fx.activities.registry().storeCredentials(input);
    db.migrateSchema(input);
    db.seedVendorConfigs(input);
    db.applyRls(input);
    db.createAdminUser(input);
    fx.activities.registry().markAwaitingVerification(input);
    fx.activities.registry().markVerified(input);
    fx.activities.registry().activateTenant(input);
    return input;
  }

  /** The tenant's current database (as the registry names it), as the superuser. */
  private static DataSource current(UUID tenantId) {
    return TestPostgres.superuser(fx.tenant(tenantId).databaseName());
  }

  private static void insertProducts(DataSource ds, String... skus) {
    for (String sku : skus) {
      JdbcClient.create(ds)
          .sql("INSERT INTO products (sku, name) VALUES (:sku, :name)")
          .param("sku", sku)
          .param("name", "product " + sku)
          .update();
    }
  }

  private static List<String> skus(DataSource ds) {
    return JdbcClient.create(ds)
        .sql("SELECT sku FROM products ORDER BY sku")
        .query(String.class)
        .list();
  }
}
