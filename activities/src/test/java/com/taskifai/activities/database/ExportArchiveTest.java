package com.taskifai.activities.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.taskifai.activities.ActivitiesFixture;
import com.taskifai.activities.backup.BackupCipher;
import com.taskifai.activities.backup.PgClient;
import com.taskifai.registry.TenantExports;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.workflows.ports.ExportActivities.ExportInput;
import com.taskifai.workflows.ports.StepInput;
import io.temporal.failure.ApplicationFailure;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Exports of a real tenant database (embedded PostgreSQL 15, the real pg_dump) into a folder store:
 * the archive's manifest counts and checksums match what it holds, a table's CSV is its rows, dump
 * and CSVs come from one snapshot, the stored object is encrypted, and a failed export leaves no
 * object.
 */
class ExportArchiveTest {
  private static final ImportExportFixture shared = ImportExportFixture.shared();
  private static final ActivitiesFixture fx = shared.fx;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path folder = shared.folder;
  private static final ExportActivitiesImpl exports = shared.exports;
  private static final TenantExports table = shared.exportRows;
  private static StepInput tenant;

  @BeforeAll
  static void provision() throws Exception {
    tenant = fx.reserve();
    fx.activities.registry().placeDatabase(tenant);
    var db = fx.activities.database();
    db.createDatabase(tenant);
    fx.activities.registry().storeCredentials(tenant);
    db.migrateSchema(tenant);
    db.seedVendorConfigs(tenant);
    db.applyRls(tenant);
    db.createAdminUser(tenant);
  }

  @Test
  void theArchiveHoldsEveryTableFromOneSnapshotWithCountsAndChecksumsThatMatch() throws Exception {
    DataSource tenantDb = TestPostgres.superuser(fx.tenant(tenant.tenantId()).databaseName());
    insertProduct(tenantDb, "sku-1", "plain");
    insertProduct(tenantDb, "sku-2", "with, a comma and \"quotes\"\nand a line break");
    insertProduct(tenantDb, "sku-3", "plain");
    // Written after the snapshot, while the archive is being written: in neither dump nor CSV.
    exports.afterSnapshot(
        () -> {
          insertProduct(tenantDb, "sku-late", "late");
          insertProduct(tenantDb, "sku-late-2", "late");
          JdbcClient.create(tenantDb).sql("DELETE FROM products WHERE sku = 'sku-1'").update();
        });
    UUID exportId = UUID.randomUUID();
    ExportInput input = new ExportInput(tenant.tenantId(), exportId, "ops", 3600);
    table.request(exportId, tenant.tenantId(), "ops");
    try {
      exports.checkExport(input);
      var summary = exports.writeArchive(input);
      exports.issueLink(input);
      exports.issueLink(input); // a retried link step changes nothing
      assertThat(summary.tables()).isGreaterThan(3);
    } finally {
      exports.afterSnapshot(() -> {});
    }

    TenantExports.Export row = table.find(exportId).orElseThrow();
    assertThat(row.status()).isEqualTo("READY");
    assertThat(row.linkVersion()).isEqualTo(1);
    assertThat(row.tokenHash()).hasSize(64);
    assertThat(Duration.between(Instant.now(), row.expiresAt()))
        .isBetween(Duration.ofMinutes(55), Duration.ofMinutes(61));
    byte[] sealed = Files.readAllBytes(folder.resolve(row.objectKey()));
    assertThat(row.objectKey()).startsWith("exports/" + tenant.tenantId() + "/");
    assertThat(row.storedBytes()).isEqualTo(sealed.length);
    // Encrypted at rest: not even the ZIP's file names show.
    assertThat(new String(sealed, StandardCharsets.ISO_8859_1))
        .doesNotContain("manifest.json")
        .doesNotContain("sku-2");
    byte[] zip =
        BackupCipher.decrypting(
                new ByteArrayInputStream(sealed),
                BackupCipher.unwrap(fx.cipher, exportId, row.dataKey()),
                exportId)
            .readAllBytes();
    assertThat(row.archiveBytes()).isEqualTo(zip.length);
    assertThat(row.sha256()).isEqualTo(sha256(zip));

    Map<String, byte[]> files = unzip(zip);
    String manifestText = new String(files.get("manifest.json"), StandardCharsets.UTF_8);
    assertThat(manifestText)
        .doesNotContain(TestPostgres.superuserPassword())
        .doesNotContain("password")
        .doesNotContain(row.dataKey());
    JsonNode manifest = JSON.readTree(manifestText);
    assertThat(manifest.get("format").asText()).isEqualTo("taskifai-export/1");
    assertThat(manifest.get("tenant_id").asText()).isEqualTo(tenant.tenantId().toString());
    assertThat(manifest.get("subdomain").asText()).isEqualTo(tenant.subdomain());
    assertThat(manifest.get("schema_version").asText()).isNotBlank();
    assertThat(Instant.parse(manifest.get("created_at").asText())).isBefore(Instant.now());
    JsonNode dump = manifest.get("dump");
    assertThat(dump.get("file").asText()).isEqualTo("dump.pgc");
    assertThat(dump.get("format").asText()).isEqualTo("custom");
    assertThat(dump.get("sha256").asText()).isEqualTo(sha256(files.get("dump.pgc")));

    List<String> tables =
        JdbcClient.create(tenantDb)
            .sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    + " AND tablename <> 'flyway_schema_history' ORDER BY tablename")
            .query(String.class)
            .list();
    Map<String, Long> listed = new TreeMap<>();
    manifest.get("tables").fields().forEachRemaining(e -> listed.put(e.getKey(), 0L));
    assertThat(listed.keySet()).containsExactlyElementsOf(tables);
    assertThat(files.keySet())
        .containsExactlyInAnyOrderElementsOf(
            concat(
                List.of("manifest.json", "dump.pgc"),
                tables.stream().map(t -> "tables/" + t + ".csv").toList()));
    for (String t : tables) {
      JsonNode entry = manifest.get("tables").get(t);
      assertThat(entry.get("file").asText()).isEqualTo("tables/" + t + ".csv");
      assertThat(entry.get("sha256").asText())
          .as(t)
          .isEqualTo(sha256(files.get(entry.get("file").asText())));
      long now = count(tenantDb, t);
      long expected = t.equals("products") ? now - 1 : now; // two in and one out since
      assertThat(entry.get("rows").asLong()).as(t).isEqualTo(expected);
    }

    // The CSV read back (with PostgreSQL's own parser) is the table's rows at the snapshot.
    DataSource scratch = scratchTable(files.get("tables/products.csv"));
    assertThat(
            JdbcClient.create(scratch)
                .sql("SELECT sku || '|' || name FROM export_products_check ORDER BY sku")
                .query(String.class)
                .list())
        .containsExactly(
            "sku-1|product plain",
            "sku-2|product with, a comma and \"quotes\"\nand a line break",
            "sku-3|product plain");

    // The dump shows the same snapshot: sku-1 still there, sku-late not yet.
    String sql = dumpAsSql(files.get("dump.pgc"));
    assertThat(sql).contains("sku-1").contains("sku-3").doesNotContain("sku-late");
  }

  @Test
  void aFailedExportLeavesNoObjectAndCannotBeRunAgain() throws Exception {
    UUID exportId = UUID.randomUUID();
    ExportInput input = new ExportInput(tenant.tenantId(), exportId, "ops", 60);
    table.request(exportId, tenant.tenantId(), "ops");
    exports.checkExport(input);
    exports.writeArchive(input);
    String key = table.find(exportId).orElseThrow().objectKey();
    assertThat(folder.resolve(key)).exists();

    exports.failExport(input, "issue_link: INVALID_STATE: refused");
    exports.failExport(input, "again"); // repeating the undo changes nothing

    TenantExports.Export row = table.find(exportId).orElseThrow();
    assertThat(row.status()).isEqualTo("FAILED");
    assertThat(row.error()).isEqualTo("issue_link: INVALID_STATE: refused");
    assertThat(folder.resolve(key)).doesNotExist();
    assertThatThrownBy(() -> exports.checkExport(input))
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("is FAILED; request a new export");
    // Another tenant's id does not reach this export.
    assertThatThrownBy(
            () -> exports.checkExport(new ExportInput(UUID.randomUUID(), exportId, "ops", 60)))
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("has no export " + exportId);
  }

  private static void insertProduct(DataSource ds, String sku, String name) {
    JdbcClient.create(ds)
        .sql("INSERT INTO products (sku, name) VALUES (:sku, :name)")
        .param("sku", sku)
        .param("name", "product " + name)
        .update();
  }

  private static long count(DataSource ds, String table) {
    return JdbcClient.create(ds)
        .sql("SELECT count(*) FROM public.\"" + table + "\"")
        .query(Long.class)
        .single();
  }

  /** A scratch table in the tenant's database filled from the CSV by COPY ... FROM STDIN. */
  private static DataSource scratchTable(byte[] csv) throws Exception {
    DataSource tenantDb = TestPostgres.superuser(fx.tenant(tenant.tenantId()).databaseName());
    try (var c = tenantDb.getConnection();
        var st = c.createStatement()) {
      st.execute("DROP TABLE IF EXISTS export_products_check");
      st.execute("CREATE UNLOGGED TABLE export_products_check (LIKE products)");
      c.unwrap(org.postgresql.PGConnection.class)
          .getCopyAPI()
          .copyIn(
              "COPY export_products_check FROM STDIN WITH (FORMAT csv, HEADER true)",
              new ByteArrayInputStream(csv));
    }
    return tenantDb;
  }

  /** The custom-format dump as SQL text ({@code pg_restore --file=-}). */
  private static String dumpAsSql(byte[] dump) throws Exception {
    Path file = Files.createTempFile("export-dump", ".pgc");
    try {
      Files.write(file, dump);
      Process p =
          new ProcessBuilder(new PgClient(null).program("pg_restore"), "--file=-", file.toString())
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor()).as(out).isZero();
      return out;
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static Map<String, byte[]> unzip(byte[] zip) throws Exception {
    Map<String, byte[]> files = new TreeMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        files.put(e.getName(), out.toByteArray());
      }
    }
    return files;
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private static List<String> concat(List<String> a, List<String> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
  }
}
