package com.taskifai.activities.database;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.activities.ActivitiesFixture;
import com.taskifai.activities.backup.BackupCipher;
import com.taskifai.activities.backup.BackupSettings;
import com.taskifai.activities.backup.FolderBackupStore;
import com.taskifai.activities.backup.PgClient;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.TenantExports;
import com.taskifai.registry.TenantImports;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.workflows.ports.BackupActivities.BackupInput;
import com.taskifai.workflows.ports.BackupActivities.RestoreTarget;
import com.taskifai.workflows.ports.ExportActivities.ExportInput;
import com.taskifai.workflows.ports.ImportActivities.ImportInput;
import com.taskifai.workflows.ports.ImportActivities.LoadResult;
import com.taskifai.workflows.ports.ImportActivities.ReportItem;
import com.taskifai.workflows.ports.StepInput;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The export and import activities on one platform database and one folder store, shared by the
 * export, import and round-trip tests of one JVM (each test makes tenants of its own): provisioned
 * tenants, dumps of them, and an import run step by step as the workflow runs it, up to the swap.
 */
final class ImportExportFixture {
  /** The tenant schema plus a later version 2 ({@code db/tenant-import-test}). */
  static final List<String> LOCATIONS =
      List.of("classpath:db/tenant", "classpath:db/tenant-import-test");

  private static ImportExportFixture shared;
  private static final AtomicInteger IDS = new AtomicInteger();

  final ActivitiesFixture fx = new ActivitiesFixture();
  final PgClient pg = new PgClient(BackupSettings.defaults().pgBin());
  final Path folder = tempFolder();
  final ServerAccess access =
      new ServerAccess(fx.tenants, new DatabaseServers(fx.platform.platform()), fx.cipher);
  final ImportActivitiesImpl imports =
      new ImportActivitiesImpl(
          fx.platform.platform(),
          access,
          new PgPipes(pg),
          fx.cipher,
          new FolderBackupStore(folder),
          LOCATIONS);
  final ExportActivitiesImpl exports =
      new ExportActivitiesImpl(
          fx.platform.platform(),
          access,
          new PgPipes(pg),
          new SharedTrialDatabases(
              fx.platform.platform(), fx.cipher, TenantSchema.DEFAULT_LOCATIONS),
          fx.cipher,
          new FolderBackupStore(folder),
          Clock.systemUTC());
  final TenantImports staged = new TenantImports(fx.platform.platform(), fx.cipher);

  /** Uploads staged as the API stages them: checked, then streamed encrypted into the store. */
  final ImportStaging staging =
      new ImportStaging(fx.platform.platform(), new FolderBackupStore(folder), fx.cipher);

  /** Bytes as an upload. */
  static ImportStaging.Upload upload(byte[] bytes) {
    return new ImportStaging.Upload() {
      @Override
      public java.io.InputStream open() {
        return new ByteArrayInputStream(bytes);
      }

      @Override
      public long size() {
        return bytes.length;
      }
    };
  }

  final TenantExports exportRows = new TenantExports(fx.platform.platform());

  private ImportExportFixture() {}

  /** The one fixture of this JVM. */
  static synchronized ImportExportFixture shared() {
    if (shared == null) {
      shared = new ImportExportFixture();
    }
    return shared;
  }

  /** An import's steps as the workflow runs them, up to the swap. */
  record Imported(
      ImportInput input,
      BackupInput swap,
      RestoreTarget target,
      LoadResult loaded,
      List<ReportItem> report) {}

  /**
   * Stages {@code content} (a String or bytes) as the API stages an upload in {@code format}
   * ({@link ImportStaging}), claims the tenant, and runs stage, prepare, load, migrate and verify,
   * stopping at the first report.
   */
  Imported importInto(StepInput target, String format, Object content) {
    String id = newImportId();
    byte[] bytes =
        content instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : (byte[]) content;
    try {
      ImportStaging.Staged done =
          staging.stage(
              target.tenantId(), id, "wf", "test", "dump." + format, format, upload(bytes));
      assertThat(done.report()).as("the upload's checks").isEmpty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ImportInput input = new ImportInput(target.tenantId(), id, format, "import:" + id);
    return runImport(input);
  }

  /** The steps of a staged import ({@link #importInto}), the claim taken first. */
  Imported runImport(ImportInput input) {
    BackupInput swap = new BackupInput(input.tenantId(), null, input.operationId(), "import", null);
    fx.activities.backups().claimOperation(input.tenantId(), "RESTORING", input.operationId());
    List<ReportItem> report = new ArrayList<>(imports.stageInput(input));
    assertThat(report).isEmpty();
    RestoreTarget copy = imports.prepareImportCopy(input);
    LoadResult loaded = imports.loadInput(input, copy.newDatabase());
    report.addAll(loaded.report());
    if (report.isEmpty()) {
      report.addAll(imports.migrateUp(input, copy.newDatabase()));
    }
    if (report.isEmpty()) {
      report.addAll(imports.verifyImport(input, copy.newDatabase(), loaded.rowCounts()));
    }
    return new Imported(input, swap, copy, loaded, report);
  }

  /** Drops the import's new database, releases the claim and discards the input. */
  void dropCopy(StepInput target, Imported done) {
    fx.activities.backups().dropRetiredDatabase(target.tenantId(), done.target().newDatabase());
    fx.activities.backups().releaseOperation(target.tenantId(), done.input().operationId());
    imports.discardInput(done.input());
  }

  /** Exports the tenant's database through the export activities; the archive (ZIP), decrypted. */
  byte[] exportArchive(StepInput tenant) {
    UUID exportId = UUID.randomUUID();
    ExportInput input = new ExportInput(tenant.tenantId(), exportId, "ops", 3600);
    exportRows.request(exportId, tenant.tenantId(), "ops");
    exports.checkExport(input);
    exports.writeArchive(input);
    TenantExports.Export row = exportRows.find(exportId).orElseThrow();
    try {
      return BackupCipher.decrypting(
              new ByteArrayInputStream(Files.readAllBytes(folder.resolve(row.objectKey()))),
              BackupCipher.unwrap(fx.cipher, exportId, row.dataKey()),
              exportId)
          .readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String newImportId() {
    return "i" + IDS.incrementAndGet() + "x" + (ProcessHandle.current().pid() % 1000);
  }

  /** pg_dump of the tenant's database as the server's superuser, in the format given. */
  Object dump(StepInput tenant, String format) {
    try (PgClient.Started p =
        pg.start(
            "pg_dump",
            TestPostgres.jdbcUrl("postgres"),
            "postgres",
            TestPostgres.superuserPassword(),
            fx.tenant(tenant.tenantId()).databaseName(),
            List.of("--format=" + format))) {
      byte[] out = p.stdout().readAllBytes();
      assertThat(PgPipes.waitFor(p.process())).as(p.errors()).isZero();
      return format.equals("plain") ? new String(out, StandardCharsets.UTF_8) : out;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A provisioned tenant; {@code migrated}: at the test's schema version 2, with one product. */
  StepInput provision(boolean migrated) {
    StepInput input = fx.reserve();
    fx.activities.registry().placeDatabase(input);
    var db = fx.activities.database();
    db.createDatabase(input);
    fx.activities.registry().storeCredentials(input);
    db.migrateSchema(input);
    db.applyRls(input);
    fx.activities.registry().markAwaitingVerification(input);
    fx.activities.registry().markVerified(input);
    fx.activities.registry().activateTenant(input);
    if (migrated) {
      TenantSchema.migrate(
          current(input.tenantId()),
          TenantDatabaseNames.of(input.tenantId()).ownerRole(),
          LOCATIONS,
          null);
      insertProducts(current(input.tenantId()), "own-1");
    }
    return input;
  }

  /** The tenant's current database, as the server's superuser. */
  DataSource current(UUID tenantId) {
    return TestPostgres.superuser(fx.tenant(tenantId).databaseName());
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

  private static Path tempFolder() {
    try {
      return Files.createTempDirectory("taskifai-imports");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
