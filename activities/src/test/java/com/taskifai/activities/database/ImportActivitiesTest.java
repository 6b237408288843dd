package com.taskifai.activities.database;

import static com.taskifai.activities.database.ImportExportFixture.insertProducts;
import static com.taskifai.activities.database.ImportExportFixture.skus;
import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.activities.ActivitiesFixture;
import com.taskifai.activities.database.ImportExportFixture.Imported;
import com.taskifai.registry.TenantImports;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.workflows.ports.BackupActivities.RestoreTarget;
import com.taskifai.workflows.ports.ImportActivities.ImportInput;
import com.taskifai.workflows.ports.ImportActivities.LoadResult;
import com.taskifai.workflows.ports.ImportActivities.ReportItem;
import com.taskifai.workflows.ports.StepInput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Imports against the embedded PostgreSQL with the real pg_dump and pg_restore: a dump of another
 * tenant is loaded as the owner role, migrated up, checked and swapped in; a hostile dump is
 * refused (before it runs, by the owner role's rights, or by the catalogue check) and the tenant is
 * unchanged.
 */
class ImportActivitiesTest {
  private static final ImportExportFixture f = ImportExportFixture.shared();
  private static final ActivitiesFixture fx = f.fx;
  private static final ImportActivitiesImpl imports = f.imports;
  private static final TenantImports staged = f.staged;
  private static final AtomicInteger IDS = new AtomicInteger();

  /** A source tenant at schema version 1 with three products, dumped once per format. */
  private static final StepInput source = provision(false);

  static {
    insertProducts(current(source.tenantId()), "src-1", "src-2", "src-3");
  }

  private static final String PLAIN = (String) dump(source, "plain");
  private static final byte[] CUSTOM = (byte[]) dump(source, "custom");

  /** The tenant the refused imports target: at version 2 with one product, never changed. */
  private static final StepInput untouched = provision(true);

  @Test
  void aPlainDumpOfAnotherTenantIsLoadedAsTheOwnerMigratedUpCheckedAndSwappedIn() {
    StepInput target = provision(true);
    String before = fx.tenant(target.tenantId()).databaseName();

    Imported done = importInto(target, "plain", PLAIN);

    assertThat(done.report()).isEmpty();
    assertThat(done.loaded().rowCounts()).containsEntry("products", 3L);
    RestoreTarget copy = done.target();
    fx.activities.backups().swapDatabase(done.swap(), copy);
    assertThat(fx.tenant(target.tenantId()).databaseName()).isEqualTo(copy.newDatabase());
    DataSource now = current(target.tenantId());
    assertThat(skus(now)).containsExactly("src-1", "src-2", "src-3");
    // Migrated up from the source's version 1 to the tenant's version 2.
    assertThat(TenantSchema.currentVersion(now)).isEqualTo("2");
    assertThat(
            JdbcClient.create(now)
                .sql("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'products'")
                .query(String.class)
                .single())
        .isEqualTo(TenantDatabaseNames.of(target.tenantId()).ownerRole());
    assertThat(TenantSchema.rlsApplied(now)).isTrue();
    fx.activities.backups().releaseOperation(target.tenantId(), done.swap().operationId());
    imports.discardInput(done.input());
    assertThat(staged.find(target.tenantId(), done.input().importId()).orElseThrow().discarded())
        .isTrue();
    fx.activities.backups().dropRetiredDatabase(target.tenantId(), before);
  }

  @Test
  void aCustomDumpOfAnOlderSchemaVersionIsMigratedUpAndItsRowCountsKept() {
    StepInput target = untouched;

    Imported done = importInto(target, "custom", CUSTOM);

    assertThat(done.report()).isEmpty();
    DataSource copy = TestPostgres.superuser(done.target().newDatabase());
    assertThat(TenantSchema.currentVersion(copy)).isEqualTo("2");
    assertThat(skus(copy)).containsExactly("src-1", "src-2", "src-3");
    dropCopy(target, done);
  }

  @Test
  void aCustomDumpIsLoadedFromAPrivateTemporaryFileThatIsGoneAfterwardsAlsoWhenTheLoadFails()
      throws IOException {
    StepInput target = untouched;
    String id = newImportId();
    ImportInput input = new ImportInput(target.tenantId(), id, "custom", "import:" + id);
    // An earlier attempt killed while pg_restore read its file left it behind on this host.
    Path stale = Files.createTempFile(ImportActivitiesImpl.TEMP_PREFIX + id + "-", ".pgc");
    assertThat(
            f.staging
                .stage(
                    target.tenantId(),
                    id,
                    "wf",
                    "test",
                    "dump.pgc",
                    null,
                    ImportExportFixture.upload(CUSTOM))
                .format())
        .isEqualTo("custom");

    Imported done = f.runImport(input);

    assertThat(done.report()).isEmpty();
    assertThat(skus(TestPostgres.superuser(done.target().newDatabase())))
        .containsExactly("src-1", "src-2", "src-3");
    assertThat(Files.exists(stale)).isFalse();
    assertThat(importTempFiles(id)).isEmpty();
    dropCopy(target, done);

    // A dump cut short: pg_restore fails, the load is refused, and its file is deleted all the
    // same.
    byte[] cut = java.util.Arrays.copyOf(CUSTOM, CUSTOM.length / 2);
    Imported broken = importInto(target, "custom", cut);
    assertThat(broken.report()).isNotEmpty();
    assertThat(broken.report().get(0).file()).isEqualTo("dump.custom");
    assertThat(importTempFiles(broken.input().importId())).isEmpty();
    dropCopy(target, broken);
    assertTenantUnchanged(target);
  }

  @Test
  void anUploadStagedTheOlderWayInTheRegistryIsStillMovedIntoTheStoreAndLoaded() {
    StepInput target = untouched;
    String id = newImportId();
    staged.stageUpload(target.tenantId(), id, "custom", "wf", "test", "dump.pgc", CUSTOM);

    Imported done = f.runImport(new ImportInput(target.tenantId(), id, "custom", "import:" + id));

    assertThat(done.report()).isEmpty();
    TenantImports.Import row = staged.find(target.tenantId(), id).orElseThrow();
    assertThat(row.uploadStaged()).isFalse();
    assertThat(row.objectKey()).isEqualTo(ImportStaging.objectKey(target.tenantId(), id));
    assertThat(skus(TestPostgres.superuser(done.target().newDatabase())))
        .containsExactly("src-1", "src-2", "src-3");
    dropCopy(target, done);
  }

  @Test
  void stagingStoresOnlyACheckedFileEncryptedAndRefusesOneTooLargeToCheckWhole()
      throws IOException {
    StepInput target = untouched;
    // Named custom but not a custom dump: refused by its first bytes, nothing stored.
    String notCustom = newImportId();
    ImportStaging.Staged refused =
        f.staging.stage(
            target.tenantId(),
            notCustom,
            "wf",
            "test",
            "d.pgc",
            "custom",
            ImportExportFixture.upload("SELECT 1;\n".getBytes(StandardCharsets.UTF_8)));
    assertThat(refused.refused()).isTrue();
    assertThat(refused.report().get(0).file()).isEqualTo("d.pgc");
    assertThat(staged.find(target.tenantId(), notCustom)).isEmpty();
    assertThat(
            Files.exists(f.folder.resolve(ImportStaging.objectKey(target.tenantId(), notCustom))))
        .isFalse();

    // A plain dump one byte over what is checked whole: refused before a byte is stored.
    String big = newImportId();
    long size = ImportStaging.CHECKED_WHOLE_MAX + 1;
    ImportStaging.Upload tooBig =
        new ImportStaging.Upload() {
          @Override
          public java.io.InputStream open() {
            return new java.io.InputStream() {
              long left = size;

              @Override
              public int read() {
                return left-- > 0 ? ';' : -1;
              }
            };
          }

          @Override
          public long size() {
            return size;
          }
        };
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> f.staging.stage(target.tenantId(), big, "wf", "test", "d.sql", null, tooBig))
        .isInstanceOf(ImportStaging.TooLargeToCheck.class)
        .hasMessageContaining("plain SQL dump")
        .hasMessageContaining("pg_dump -Fc");
    assertThat(staged.find(target.tenantId(), big)).isEmpty();
    assertThat(Files.exists(f.folder.resolve(ImportStaging.objectKey(target.tenantId(), big))))
        .isFalse();

    // A good custom dump: stored encrypted (no plaintext in the object), its row names it.
    String good = newImportId();
    assertThat(
            f.staging
                .stage(
                    target.tenantId(),
                    good,
                    "wf",
                    "test",
                    "d.pgc",
                    null,
                    ImportExportFixture.upload(CUSTOM))
                .refused())
        .isFalse();
    TenantImports.Import row = staged.find(target.tenantId(), good).orElseThrow();
    assertThat(row.uploadStaged()).isFalse();
    assertThat(row.sizeBytes()).isEqualTo(CUSTOM.length);
    byte[] object = Files.readAllBytes(f.folder.resolve(row.objectKey()));
    assertThat(new String(object, StandardCharsets.ISO_8859_1))
        .doesNotContain("PGDMP")
        .doesNotContain("src-1");
    f.staging.discard(target.tenantId(), good);
    assertThat(Files.exists(f.folder.resolve(row.objectKey()))).isFalse();
    assertTenantUnchanged(target);
  }

  private static List<Path> importTempFiles(String importId) throws IOException {
    try (var files =
        Files.newDirectoryStream(
            Path.of(System.getProperty("java.io.tmpdir")),
            ImportActivitiesImpl.TEMP_PREFIX + importId + "-*")) {
      List<Path> out = new java.util.ArrayList<>();
      files.forEach(out::add);
      return out;
    }
  }

  @Test
  void aLiveSourceIsDumpedInOneSnapshotAndItsPasswordStaysOutOfEveryInputAndResult() {
    StepInput target = untouched;
    String password = TestPostgres.superuserPassword();
    String id = newImportId();
    staged.stageSource(
        target.tenantId(),
        id,
        "wf",
        "test",
        "postgresql://postgres:"
            + password
            + "@localhost:"
            + TestPostgres.port()
            + "/"
            + fx.tenant(source.tenantId()).databaseName());
    ImportInput input = new ImportInput(target.tenantId(), id, "live", "import:" + id);
    fx.activities.backups().claimOperation(target.tenantId(), "RESTORING", input.operationId());

    assertThat(imports.stageInput(input)).isEmpty();
    RestoreTarget copy = imports.prepareImportCopy(input);
    LoadResult loaded = imports.loadInput(input, copy.newDatabase());
    List<ReportItem> migrated = imports.migrateUp(input, copy.newDatabase());
    List<ReportItem> verified = imports.verifyImport(input, copy.newDatabase(), loaded.rowCounts());

    assertThat(loaded.report()).isEmpty();
    assertThat(migrated).isEmpty();
    assertThat(verified).isEmpty();
    assertThat(skus(TestPostgres.superuser(copy.newDatabase())))
        .containsExactly("src-1", "src-2", "src-3");
    assertThat(input.toString() + loaded + migrated + verified).doesNotContain(password);
    imports.discardInput(input);
    assertThat(staged.sourceUrl(target.tenantId(), id)).isEmpty();
    fx.activities.backups().dropRetiredDatabase(target.tenantId(), copy.newDatabase());
    fx.activities.backups().releaseOperation(target.tenantId(), input.operationId());
  }

  @Test
  void aLiveSourceThatRefusesTheLoginIsReportedWithoutItsPassword() {
    StepInput target = untouched;
    String id = newImportId();
    staged.stageSource(
        target.tenantId(),
        id,
        "wf",
        "test",
        "postgresql://postgres:wrong-secret-pw@localhost:" + TestPostgres.port() + "/postgres");
    ImportInput input = new ImportInput(target.tenantId(), id, "live", "import:" + id);
    RestoreTarget copy = imports.prepareImportCopy(input);

    LoadResult loaded = imports.loadInput(input, copy.newDatabase());

    assertThat(loaded.report()).hasSize(1);
    assertThat(loaded.report().get(0).reason())
        .contains("pg_dump")
        .doesNotContain("wrong-secret-pw");
    fx.activities.backups().dropRetiredDatabase(target.tenantId(), copy.newDatabase());
    imports.discardInput(input);
  }

  @Test
  void aCsvBundleIsLoadedIntoTheTenantSchemaAndARowTheSchemaRefusesIsReportedWithItsLine() {
    StepInput target = untouched;
    byte[] good =
        zip(
            "users.csv", "email,role\nboss@acme.io,admin\n",
            "products.csv", "sku,name,ean\ncsv-1,\"One, with comma\",12345678\ncsv-2,Two,\n");
    byte[] bad = zip("products.csv", "sku,name,ean\ncsv-1,One,12345678\ncsv-2,Two,not-an-ean\n");

    Imported done = importInto(target, "csv", good);
    dropCopy(target, done);
    Imported refused = importInto(target, "csv", bad);
    dropCopy(target, refused);

    assertThat(done.report()).isEmpty();
    assertThat(done.loaded().rowCounts()).containsEntry("users", 1L).containsEntry("products", 2L);
    assertThat(refused.report()).hasSize(1);
    assertThat(refused.report().get(0).file()).isEqualTo("products.csv");
    assertThat(refused.report().get(0).line()).isEqualTo(3);
    assertThat(refused.report().get(0).reason()).doesNotContain("not-an-ean");
    assertTenantUnchanged(target);
  }

  @Test
  void anExportArchiveLoadsThroughItsDumpCheckedAgainstTheManifestAndATamperedOneIsRefused() {
    StepInput target = untouched;
    String csv = "sku,name\nsrc-1,product src-1\n";
    String manifest =
        "{\"format\":\"taskifai-export/1\",\"tenant_id\":\""
            + source.tenantId()
            + "\",\"subdomain\":\"s\",\"schema_version\":\"1\",\"created_at\":\"2026-12-07T00:00:00Z\","
            + "\"dump\":{\"file\":\"dump.pgc\",\"format\":\"custom\",\"sha256\":\""
            + sha256(CUSTOM)
            + "\"},\"tables\":{\"products\":{\"file\":\"tables/products.csv\",\"rows\":3,"
            + "\"sha256\":\""
            + sha256(csv.getBytes(StandardCharsets.UTF_8))
            + "\"}}}";
    byte[] tampered = CUSTOM.clone();
    tampered[tampered.length - 1] ^= 1;

    Imported done =
        importInto(
            target, "archive", zipBytes(manifest, CUSTOM, csv.getBytes(StandardCharsets.UTF_8)));
    dropCopy(target, done);
    String id = newImportId();
    staged.stageUpload(
        target.tenantId(),
        id,
        "archive",
        "wf",
        "test",
        "export.zip",
        zipBytes(manifest, tampered, csv.getBytes(StandardCharsets.UTF_8)));
    List<ReportItem> refused =
        imports.stageInput(new ImportInput(target.tenantId(), id, "archive", "import:" + id));

    assertThat(done.report()).isEmpty();
    assertThat(done.loaded().rowCounts()).containsEntry("products", 3L);
    assertThat(refused).extracting(ReportItem::file).containsExactly("dump.pgc");
    assertThat(refused.get(0).reason()).contains("SHA-256");
    assertTenantUnchanged(target);
  }

  private static byte[] zipBytes(String manifest, byte[] dump, byte[] csv) {
    var out = new java.io.ByteArrayOutputStream();
    try (var z = new java.util.zip.ZipOutputStream(out)) {
      z.putNextEntry(new java.util.zip.ZipEntry("manifest.json"));
      z.write(manifest.getBytes(StandardCharsets.UTF_8));
      z.putNextEntry(new java.util.zip.ZipEntry("dump.pgc"));
      z.write(dump);
      z.putNextEntry(new java.util.zip.ZipEntry("tables/products.csv"));
      z.write(csv);
      z.closeEntry();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static String sha256(byte[] content) {
    try {
      return java.util.HexFormat.of()
          .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] zip(String... nameThenContent) {
    var out = new java.io.ByteArrayOutputStream();
    try (var z = new java.util.zip.ZipOutputStream(out)) {
      for (int i = 0; i + 1 < nameThenContent.length; i += 2) {
        z.putNextEntry(new java.util.zip.ZipEntry(nameThenContent[i]));
        z.write(nameThenContent[i + 1].getBytes(StandardCharsets.UTF_8));
        z.closeEntry();
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  @Test
  void hostilePlainStatementsAreRefusedWithTheirLineBeforeAnyDatabaseIsMade() {
    StepInput target = untouched;
    String good = PLAIN;
    long lines = good.lines().count();
    String marker = "/tmp/taskifai-import-" + UUID.randomUUID();
    for (String hostile :
        List.of(
            "CREATE ROLE evil_" + IDS.incrementAndGet() + " SUPERUSER LOGIN;",
            "ALTER SYSTEM SET work_mem = '1GB';",
            "COPY (SELECT 1) TO PROGRAM 'touch " + marker + "';",
            "CREATE FUNCTION public.boom() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';",
            "\\! touch " + marker)) {
      String id = newImportId();
      staged.stageUpload(
          target.tenantId(),
          id,
          "plain",
          "wf",
          "test",
          "dump.sql",
          (good + "\n" + hostile + "\n").getBytes(StandardCharsets.UTF_8));
      List<ReportItem> report =
          imports.stageInput(new ImportInput(target.tenantId(), id, "plain", "import:" + id));
      assertThat(report).as(hostile).hasSize(1);
      assertThat(report.get(0).file()).isEqualTo("dump.sql");
      assertThat(report.get(0).line()).as(hostile).isGreaterThan((int) lines);
    }
    assertThat(Files.exists(Path.of(marker))).isFalse();
    assertTenantUnchanged(target);
  }

  @Test
  void whatAPlainDumpHidesInADoBlockRunsWithTheOwnersRightsAndFailsTheLoad() {
    StepInput target = untouched;
    String role = "evil_do_" + IDS.incrementAndGet();
    String marker = "/tmp/taskifai-import-" + UUID.randomUUID();
    for (String hostile :
        List.of(
            "DO $x$ BEGIN EXECUTE 'CREATE ROLE " + role + " SUPERUSER'; END $x$;",
            "DO $x$ BEGIN EXECUTE 'ALTER SYSTEM SET work_mem = ''1GB'''; END $x$;",
            "DO $x$ BEGIN EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch " + marker + "'''; END $x$;",
            "DO $x$ BEGIN EXECUTE 'ALTER ROLE "
                + TenantDatabaseNames.of(target.tenantId()).ownerRole()
                + " SUPERUSER'; END $x$;")) {
      Imported done = importInto(target, "plain", "SELECT 1;\n" + hostile + "\n");
      assertThat(done.report()).as(hostile).hasSize(1);
      assertThat(done.report().get(0).reason())
          .as(hostile)
          .containsAnyOf("permission", "must be", "transaction block");
      dropCopy(target, done);
    }
    assertThat(fx.roleExists(role)).isFalse();
    assertThat(Files.exists(Path.of(marker))).isFalse();
    assertThat(
            ActivitiesFixture.count(
                fx.server(),
                "SELECT count(*) FROM pg_file_settings WHERE name = 'work_mem'"
                    + " AND sourcefile LIKE '%postgresql.auto.conf'"))
        .isZero();
    assertThat(
            ActivitiesFixture.count(
                fx.server(),
                "SELECT count(*) FROM pg_roles WHERE rolname = ? AND rolsuper",
                TenantDatabaseNames.of(target.tenantId()).ownerRole()))
        .isZero();
    assertTenantUnchanged(target);
  }

  @Test
  void aSuperuserOwnedSecurityDefinerFunctionAndAnotherSchemaInACustomDumpAreRefusedByTheChecks() {
    StepInput scratch = provision(false);
    StepInput target = untouched;
    TestPostgres.execute(
        current(scratch.tenantId()),
        "CREATE FUNCTION public.escalate() RETURNS int LANGUAGE sql SECURITY DEFINER"
            + " AS 'SELECT 1'",
        "CREATE SCHEMA elsewhere",
        "CREATE TABLE elsewhere.loot (x int)");

    Imported done = importInto(target, "custom", dump(scratch, "custom"));

    assertThat(done.report())
        .extracting(ReportItem::object)
        .contains("function escalate()", "schema elsewhere");
    // It was created as the owner role (never as its superuser owner), and is dropped with the
    // copy.
    assertThat(
            JdbcClient.create(TestPostgres.superuser(done.target().newDatabase()))
                .sql("SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'escalate'")
                .query(String.class)
                .single())
        .isEqualTo(TenantDatabaseNames.of(target.tenantId()).ownerRole());
    dropCopy(target, done);
    assertThat(fx.databaseExists(done.target().newDatabase())).isFalse();
    assertTenantUnchanged(target);
  }

  private static void assertTenantUnchanged(StepInput target) {
    assertThat(fx.tenant(target.tenantId()).databaseName())
        .isEqualTo(TenantDatabaseNames.of(target.tenantId()).database());
    assertThat(skus(current(target.tenantId()))).containsExactly("own-1");
  }

  private static StepInput provision(boolean migrated) {
    return f.provision(migrated);
  }

  private static Object dump(StepInput tenant, String format) {
    return f.dump(tenant, format);
  }

  private static DataSource current(UUID tenantId) {
    return f.current(tenantId);
  }

  private static Imported importInto(StepInput target, String format, Object content) {
    return f.importInto(target, format, content);
  }

  private static void dropCopy(StepInput target, Imported done) {
    f.dropCopy(target, done);
  }

  private static String newImportId() {
    return f.newImportId();
  }
}
