package com.taskifai.activities.database;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.taskifai.activities.CurrentActivity;
import com.taskifai.activities.StepFailure;
import com.taskifai.activities.backup.BackupCipher;
import com.taskifai.activities.backup.BackupStore;
import com.taskifai.activities.backup.PgClient;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantExports;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.ExportLinks;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.ports.ExportActivities;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tenant exports: the archive ({@code taskifai-export/1}) written from one exported snapshot, in
 * which {@code pg_dump --snapshot} dumps and the holding transaction itself copies each table to
 * CSV, so dump and CSVs show the same rows; encrypted into the {@link BackupStore} like a backup,
 * under a data key of its own sealed in the registry.
 */
public final class ExportActivitiesImpl implements ExportActivities {
  private static final Logger log = LoggerFactory.getLogger(ExportActivitiesImpl.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The archive format's name in every manifest (a contract with the import). */
  public static final String FORMAT = "taskifai-export/1";

  private final ServerAccess access;
  private final PgPipes pipes;
  private final SharedTrialDatabases trialDatabases;
  private final TenantExports exports;
  private final CredentialCipher cipher;
  private final BackupStore store;
  private final Clock clock;
  private final ExportRetention retention;
  private volatile Runnable afterSnapshot = () -> {};

  public ExportActivitiesImpl(
      DataSource platform,
      ServerAccess access,
      PgPipes pipes,
      SharedTrialDatabases trialDatabases,
      CredentialCipher cipher,
      BackupStore store,
      Clock clock) {
    this.access = access;
    this.pipes = pipes;
    this.trialDatabases = trialDatabases;
    this.exports = new TenantExports(platform);
    this.cipher = cipher;
    this.store = store;
    this.clock = clock;
    this.retention =
        new ExportRetention(
            this.exports, store, new com.taskifai.registry.AuditLog(platform), clock);
  }

  /** The exports' registry rows these activities fill (the worker starts tenants' requests). */
  public TenantExports registry() {
    return exports;
  }

  /**
   * Deletes the exports retention expires ({@link ExportRetention}): the worker's hourly pass.
   *
   * @return the ids of the exports removed from the store
   */
  public List<UUID> expireExports(com.taskifai.activities.backup.ExportRetentionSettings settings) {
    return retention.expire(settings);
  }

  /** Runs {@code hook} once the snapshot is taken, before anything is read in it (tests). */
  void afterSnapshot(Runnable hook) {
    this.afterSnapshot = hook;
  }

  /** The object key of an export in the store. */
  public static String objectKey(UUID tenantId, UUID exportId) {
    return "exports/" + tenantId + "/" + exportId + ".tkx";
  }

  @Override
  public void checkExport(ExportInput input) {
    TenantExports.Export row = ownRow(input);
    if (row.ready()) {
      return;
    }
    if (!"REQUESTED".equals(row.status()) && !"RUNNING".equals(row.status())) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "export " + input.exportId() + " is " + row.status() + "; request a new export");
    }
    Tenant tenant = access.placedTenant(input.tenantId(), "has no database to export");
    // The shared trial database holds every trial's rows: a dump of it is no one tenant's.
    trialDatabases.refuse(
        tenant, tenant.databaseName(), null, false, "; promote it before exporting its data");
    exports.start(
        input.exportId(),
        store.kind(),
        objectKey(input.tenantId(), input.exportId()),
        BackupCipher.wrap(cipher, input.exportId(), BackupCipher.newDataKey()));
  }

  @Override
  public ExportSummary writeArchive(ExportInput input) {
    TenantExports.Export row = ownRow(input);
    if (!"RUNNING".equals(row.status()) || row.dataKey() == null) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "export " + input.exportId() + " is " + row.status() + ", not a running export");
    }
    Tenant tenant = access.placedTenant(input.tenantId(), "has no database to export");
    trialDatabases.refuse(
        tenant, tenant.databaseName(), null, false, "; promote it before exporting its data");
    ServerAdmin admin = access.admin(tenant);
    String key = row.objectKey();
    long started = System.nanoTime();
    Path zip = null;
    try {
      zip = Files.createTempFile("taskifai-export-", ".zip");
      Written written = writeZip(tenant, admin, zip);
      byte[] dataKey = BackupCipher.unwrap(cipher, input.exportId(), row.dataKey());
      MessageDigest plainSha = sha256();
      long stored;
      try (InputStream plain =
          new DigestInputStream(PgPipes.heartbeating(Files.newInputStream(zip)), plainSha)) {
        stored = store.put(key, BackupCipher.encrypting(plain, dataKey, input.exportId()));
      } catch (IOException e) {
        throw StepFailure.of(
            FailureType.UNAVAILABLE, "backup store " + store.kind() + " failed: " + e.getMessage());
      }
      long archiveBytes = Files.size(zip);
      String sha = HexFormat.of().formatHex(plainSha.digest());
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("format", FORMAT);
      summary.put("schema_version", written.schemaVersion());
      summary.put("created_at", written.createdAt().toString());
      summary.put("tables", written.rows());
      exports.stored(input.exportId(), archiveBytes, stored, sha, JSON.writeValueAsString(summary));
      log.info(
          "tenant {}: export {} stored ({} bytes, {} ms)",
          tenant.tenantId(),
          input.exportId(),
          stored,
          Duration.ofNanos(System.nanoTime() - started).toMillis());
      long rows = written.rows().values().stream().mapToLong(Long::longValue).sum();
      return new ExportSummary(
          input.exportId(),
          archiveBytes,
          stored,
          sha,
          written.schemaVersion(),
          written.rows().size(),
          rows);
    } catch (SQLException e) {
      throw DatabaseFailures.of("write_archive", tenant.tenantId(), e);
    } catch (IOException e) {
      throw StepFailure.of(FailureType.UNAVAILABLE, "export failed: " + e.getMessage());
    } finally {
      if (zip != null) {
        try {
          Files.deleteIfExists(zip);
        } catch (IOException e) {
          log.warn("could not delete temporary export file {}", zip);
        }
      }
    }
  }

  @Override
  public void issueLink(ExportInput input) {
    TenantExports.Export row = ownRow(input);
    if (row.ready()) {
      return;
    }
    int version = row.linkVersion() + 1;
    Instant expires =
        clock
            .instant()
            .plusSeconds(Math.max(1, input.linkTtlSeconds()))
            .truncatedTo(ChronoUnit.SECONDS);
    String token = ExportLinks.of(cipher).issue(input.exportId(), version, expires);
    if (!exports.issueLink(input.exportId(), version, ExportLinks.hash(token), expires)) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "export " + input.exportId() + " has no stored archive to link to");
    }
  }

  @Override
  public void failExport(ExportInput input, String reason) {
    TenantExports.Export row = exports.find(input.exportId()).orElse(null);
    if (row == null
        || !row.tenantId().equals(input.tenantId())
        || (!"REQUESTED".equals(row.status()) && !"RUNNING".equals(row.status()))) {
      return;
    }
    if (row.objectKey() != null) {
      try {
        store.delete(row.objectKey());
      } catch (IOException e) {
        throw StepFailure.of(
            FailureType.UNAVAILABLE,
            "could not delete export object from " + store.kind() + ": " + e.getMessage());
      }
    }
    String why = reason == null ? "failed" : reason;
    exports.fail(input.exportId(), why.length() > 1000 ? why.substring(0, 1000) : why);
  }

  /** What {@link #writeZip} put in the archive. */
  record Written(String schemaVersion, Instant createdAt, Map<String, Long> rows) {}

  /**
   * Writes the archive to {@code zip}: the dump and every table's CSV from one snapshot, then the
   * manifest with each file's SHA-256.
   */
  Written writeZip(Tenant tenant, ServerAdmin admin, Path zip) throws SQLException, IOException {
    String database = tenant.databaseName();
    try (Connection c = admin.unpooled(database).getConnection();
        ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
      pipes.requireDumpClient(
          c, admin.serverId(), "exports disabled for server " + admin.serverId() + ": ");
      BackupDumps.requireRowSecurityBypass(c, admin.serverId());
      PgPipes.Snapshot snapshot = PgPipes.export(c);
      afterSnapshot.run();
      Instant createdAt = clock.instant().truncatedTo(ChronoUnit.MILLIS);
      // pg_dump writes its file in the snapshot while this transaction copies the tables into
      // the ZIP: both read at once, and the dump joins the ZIP when both are done.
      Path dumpFile = Files.createTempFile(zip.getParent(), "taskifai-export-", ".pgc");
      try {
        FutureTask<String> dumping =
            new FutureTask<>(() -> dumpTo(admin, database, snapshot.id(), dumpFile));
        Thread dumper = new Thread(dumping, "export-pg_dump");
        dumper.setDaemon(true);
        dumper.start();
        Map<String, Object> tables = new TreeMap<>();
        Map<String, Long> rows = new TreeMap<>();
        out.setLevel(Deflater.BEST_SPEED);
        copyTables(c, snapshot, out, tables, rows);
        // The snapshot lives as long as this transaction: pg_dump may still be importing it.
        String dumpSha = awaitDump(dumping);
        c.commit();
        Map<String, Object> dump = new LinkedHashMap<>();
        dump.put("file", "dump.pgc");
        dump.put("format", "custom");
        dump.put("sha256", dumpSha);
        // pg_dump compresses its archive already: the ZIP only stores it.
        out.setLevel(Deflater.NO_COMPRESSION);
        out.putNextEntry(new ZipEntry("dump.pgc"));
        try (InputStream in = Files.newInputStream(dumpFile)) {
          PgPipes.feed(in, unclosable(out));
        }
        out.closeEntry();
        writeManifest(out, tenant, snapshot, createdAt, dump, tables);
        return new Written(snapshot.manifest().schemaVersion(), createdAt, rows);
      } finally {
        Files.deleteIfExists(dumpFile);
      }
    }
  }

  /** {@code pg_dump} of the database in the snapshot into {@code file}; its SHA-256. */
  private String dumpTo(ServerAdmin admin, String database, String snapshotId, Path file)
      throws IOException {
    MessageDigest sha = sha256();
    int exit;
    String errors;
    try (PgClient.Started process = pipes.exportDump(admin, database, snapshotId)) {
      try (InputStream in = process.stdout();
          OutputStream to = new DigestOutputStream(Files.newOutputStream(file), sha)) {
        PgPipes.feed(in, to);
      }
      exit = PgPipes.waitFor(process.process());
      errors = process.errors();
    }
    if (exit != 0) {
      throw StepFailure.of(FailureType.UNAVAILABLE, "pg_dump exited with " + exit + ": " + errors);
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /** Waits for the dump, heartbeating; its failure is the step's. */
  private static String awaitDump(FutureTask<String> dumping) throws IOException {
    while (true) {
      try {
        return dumping.get(5, TimeUnit.SECONDS);
      } catch (TimeoutException stillDumping) {
        CurrentActivity.checkpoint("waiting for pg_dump");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        dumping.cancel(true);
        throw new IOException("interrupted while pg_dump ran");
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException r) {
          throw r;
        }
        throw new IOException("pg_dump failed: " + e.getCause().getMessage(), e.getCause());
      }
    }
  }

  /** Every table of schema public but Flyway's, as ordered CSV, in the snapshot's transaction. */
  private static void copyTables(
      Connection c,
      PgPipes.Snapshot snapshot,
      ZipOutputStream out,
      Map<String, Object> tables,
      Map<String, Long> rows)
      throws SQLException, IOException {
    for (String table : snapshot.manifest().rowCounts().keySet()) {
      if (table.equals("flyway_schema_history")) {
        continue;
      }
      String file = "tables/" + table + ".csv";
      out.putNextEntry(new ZipEntry(file));
      MessageDigest sha = sha256();
      OutputStream entry = new DigestOutputStream(new Beating(unclosable(out)), sha);
      long n =
          c.unwrap(PGConnection.class)
              .getCopyAPI()
              .copyOut(
                  "COPY (SELECT * FROM public."
                      + quote(table)
                      + orderBy(c, table)
                      + ") TO STDOUT WITH (FORMAT csv, HEADER true)",
                  entry);
      entry.flush();
      out.closeEntry();
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("file", file);
      t.put("rows", n);
      t.put("sha256", HexFormat.of().formatHex(sha.digest()));
      tables.put(table, t);
      rows.put(table, n);
    }
  }

  private static void writeManifest(
      ZipOutputStream out,
      Tenant tenant,
      PgPipes.Snapshot snapshot,
      Instant createdAt,
      Map<String, Object> dump,
      Map<String, Object> tables)
      throws IOException {
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("format", FORMAT);
    manifest.put("tenant_id", tenant.tenantId().toString());
    manifest.put("subdomain", tenant.subdomain());
    manifest.put("schema_version", snapshot.manifest().schemaVersion());
    manifest.put("created_at", createdAt.toString());
    manifest.put("dump", dump);
    manifest.put("tables", tables);
    out.setLevel(Deflater.DEFAULT_COMPRESSION);
    out.putNextEntry(new ZipEntry("manifest.json"));
    out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
    out.closeEntry();
  }

  /**
   * {@code ORDER BY} the table's primary key, so a table's CSV (and its checksum) is the same for
   * the same rows; without a primary key, by every column whose type sorts.
   */
  private static String orderBy(Connection c, String table) throws SQLException {
    List<String> columns = new ArrayList<>();
    String pk =
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
            + " AND a.attnum = ANY (i.indkey) WHERE i.indrelid = ?::regclass AND i.indisprimary"
            + " ORDER BY array_position(i.indkey::int2[], a.attnum)";
    String sortable =
        "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = ?::regclass AND a.attnum > 0"
            + " AND NOT a.attisdropped AND EXISTS (SELECT 1 FROM pg_opclass o JOIN pg_am m"
            + " ON m.oid = o.opcmethod WHERE m.amname = 'btree' AND o.opcdefault"
            + " AND o.opcintype = a.atttypid) ORDER BY a.attnum";
    for (String sql : new String[] {pk, sortable}) {
      try (var st = c.prepareStatement(sql)) {
        st.setString(1, "public." + quote(table));
        try (ResultSet rs = st.executeQuery()) {
          while (rs.next()) {
            columns.add(quote(rs.getString(1)));
          }
        }
      }
      if (!columns.isEmpty()) {
        break;
      }
    }
    return columns.isEmpty() ? "" : " ORDER BY " + String.join(", ", columns);
  }

  private TenantExports.Export ownRow(ExportInput input) {
    return exports
        .find(input.exportId())
        .filter(e -> e.tenantId().equals(input.tenantId()))
        .orElseThrow(
            () ->
                StepFailure.of(
                    FailureType.INVALID_STATE,
                    "tenant " + input.tenantId() + " has no export " + input.exportId()));
  }

  private static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  private static MessageDigest sha256() {
    return BackupDumps.sha256();
  }

  /** The ZIP stream, which a ZIP entry's writer must not close. */
  private static OutputStream unclosable(OutputStream out) {
    return new FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        flush();
      }
    };
  }

  /** Heartbeats (inside an activity) every few seconds while a table's rows stream out. */
  private static final class Beating extends FilterOutputStream {
    private long bytes;
    private long lastBeat = System.nanoTime();

    Beating(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      bytes += len;
      long now = System.nanoTime();
      if (now - lastBeat > Duration.ofSeconds(5).toNanos()) {
        lastBeat = now;
        CurrentActivity.checkpoint("wrote " + bytes + " bytes of CSV");
      }
    }
  }
}
