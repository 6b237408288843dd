package com.taskifai.activities.database;

import com.taskifai.activities.StepFailure;
import com.taskifai.activities.backup.BackupCipher;
import com.taskifai.activities.backup.BackupStore;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantImports;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.tenantschema.imports.CsvBundle;
import com.taskifai.tenantschema.imports.ExportArchive;
import com.taskifai.tenantschema.imports.ImportInputs;
import com.taskifai.tenantschema.imports.ImportProblem;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.ports.BackupActivities.RestoreTarget;
import com.taskifai.workflows.ports.ImportActivities;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Imports of a customer's data ({@link ImportActivities}): the upload, stored encrypted in the
 * backup store by the API ({@link ImportStaging}; one staged the older way, sealed in the registry
 * row, is moved there first), checked by its format, loaded into a new database as the tenant's
 * owner role ({@link ImportLoads}: a custom dump decrypted into a private temporary file that
 * {@code pg_restore} reads), migrated up with the tenant schema's migrations, and checked ({@link
 * ImportChecks}). The swap is the restore's ({@link RestoreSwaps}).
 */
public final class ImportActivitiesImpl implements ImportActivities {
  private static final Logger log = LoggerFactory.getLogger(ImportActivitiesImpl.class);
  private static final Pattern IMPORT_ID = Pattern.compile("[a-z0-9]{1,12}");

  private final ServerAccess access;
  private final TenantImports imports;
  private final CredentialCipher cipher;
  private final BackupStore store;
  private final ImportLoads loads;
  private final List<String> migrationLocations;

  public ImportActivitiesImpl(
      DataSource platform,
      ServerAccess access,
      PgPipes pipes,
      CredentialCipher cipher,
      BackupStore store,
      List<String> migrationLocations) {
    this.access = access;
    this.imports = new TenantImports(platform, cipher);
    this.cipher = cipher;
    this.store = store;
    this.loads = new ImportLoads(pipes);
    this.migrationLocations = migrationLocations;
  }

  /** The object key of an import's staged file in the backup store. */
  static String objectKey(UUID tenantId, String importId) {
    return ImportStaging.objectKey(tenantId, importId);
  }

  /** What the staged file's encryption is bound to (the cipher binds each object to an id). */
  static UUID binding(UUID tenantId, String importId) {
    return ImportStaging.binding(tenantId, importId);
  }

  @Override
  public List<ReportItem> stageInput(ImportInput input) {
    TenantImports.Import row = row(input);
    if ("live".equals(row.format())) {
      String url =
          imports
              .sourceUrl(input.tenantId(), input.importId())
              .orElseThrow(
                  () ->
                      StepFailure.of(
                          FailureType.INVALID_STATE,
                          "import " + input.importId() + " has no source staged"));
      return LiveSource.parse(url).report();
    }
    String key = objectKey(input.tenantId(), input.importId());
    try {
      if (row.objectKey() == null || !store.exists(key)) {
        byte[] content =
            imports
                .upload(input.tenantId(), input.importId())
                .orElseThrow(
                    () ->
                        StepFailure.of(
                            FailureType.INVALID_STATE,
                            "import " + input.importId() + " has no file staged"));
        UUID binding = binding(input.tenantId(), input.importId());
        byte[] dataKey = BackupCipher.newDataKey();
        store.put(
            key, BackupCipher.encrypting(new ByteArrayInputStream(content), dataKey, binding));
        imports.stored(
            input.tenantId(), input.importId(), key, BackupCipher.wrap(cipher, binding, dataKey));
      }
    } catch (IOException e) {
      throw StepFailure.of(FailureType.UNAVAILABLE, "backup store write failed: " + e.getMessage());
    }
    // A custom dump is told by its first bytes alone: the rest is never held in memory.
    return check(row, "custom".equals(row.format()) ? head(input, 16) : read(input));
  }

  /** What is wrong with the file for its format; empty when it can be loaded. */
  private static List<ReportItem> check(TenantImports.Import row, byte[] content) {
    return reportOf(ImportInputs.check(row.format(), row.fileName(), content));
  }

  /** The problems as the workflow's report. */
  static List<ReportItem> reportOf(List<ImportProblem> problems) {
    List<ReportItem> out = new ArrayList<>();
    for (ImportProblem p : problems) {
      out.add(new ReportItem(p.file(), p.line(), p.object(), p.reason()));
    }
    return out;
  }

  @Override
  public RestoreTarget prepareImportCopy(ImportInput input) {
    requireImportId(input);
    Tenant tenant = placedTenant(input.tenantId());
    String database = copyName(tenant, input.importId());
    TenantDatabaseNames names = TenantDatabaseNames.of(tenant.tenantId());
    try {
      IsolatedDatabase.replace(access.admin(tenant), database, names.ownerRole(), names.appRole());
    } catch (SQLException e) {
      throw DatabaseFailures.of("prepare_import_copy", tenant.tenantId(), e);
    }
    return new RestoreTarget(database, tenant.databaseName());
  }

  @Override
  public LoadResult loadInput(ImportInput input, String database) {
    requireImportId(input);
    Tenant tenant = placedTenant(input.tenantId());
    requireCopyName(tenant, input, database);
    TenantImports.Import row = row(input);
    ServerAdmin admin = access.admin(tenant);
    TenantDatabaseNames names = TenantDatabaseNames.of(tenant.tenantId());
    if (!BackupRestores.holdsNothing(admin, database)) {
      // A retry after a load that committed starts again on an empty database.
      try {
        IsolatedDatabase.replace(admin, database, names.ownerRole(), names.appRole());
      } catch (SQLException e) {
        throw DatabaseFailures.of("load_input", tenant.tenantId(), e);
      }
    }
    String file = row.fileName() == null ? "(upload)" : row.fileName();
    try {
      LoadResult result =
          switch (row.format()) {
            case "live" -> {
              LiveSource source =
                  LiveSource.parse(
                      imports
                          .sourceUrl(input.tenantId(), input.importId())
                          .orElseThrow(
                              () ->
                                  StepFailure.of(
                                      FailureType.INVALID_STATE,
                                      "import " + input.importId() + " has no source staged")));
              yield loads.live(admin, names.ownerRole(), database, source);
            }
            case "custom" -> {
              Path dump = decryptToFile(input);
              try {
                yield loads.customFile(admin, names.ownerRole(), database, file, dump);
              } finally {
                deleteQuietly(dump);
              }
            }
            case "archive" -> {
              ExportArchive.Read archive = ExportArchive.read(read(input));
              if (!archive.report().isEmpty()) {
                yield new LoadResult(reportOf(archive.report()), null);
              }
              yield loads.custom(
                  admin,
                  names.ownerRole(),
                  database,
                  "dump.pgc",
                  archive.dump(),
                  archive.rowCounts());
            }
            case "plain" -> loads.plain(admin, names.ownerRole(), database, file, read(input));
            case "csv" ->
                loads.csv(
                    admin,
                    names.ownerRole(),
                    database,
                    CsvBundle.read(read(input)),
                    migrationLocations);
            default ->
                throw StepFailure.of(FailureType.INVALID_STATE, "unknown format " + row.format());
          };
      log.info(
          "tenant {}: import {} loaded into {} ({} problems)",
          tenant.tenantId(),
          input.importId(),
          database,
          result.report().size());
      return result;
    } finally {
      admin.release(database);
    }
  }

  @Override
  public List<ReportItem> migrateUp(ImportInput input, String database) {
    Tenant tenant = placedTenant(input.tenantId());
    requireCopyName(tenant, input, database);
    ServerAdmin admin = access.admin(tenant);
    TenantDatabaseNames names = TenantDatabaseNames.of(tenant.tenantId());
    try {
      if (PgPipesVersions.schemaVersion(admin, database) == null) {
        return List.of(
            new ReportItem(
                null,
                null,
                "flyway_schema_history",
                "the input has no tenant schema history: import a dump of a database in the"
                    + " tenant schema, an export archive, or a CSV bundle"));
      }
      TenantSchema.Migrated m =
          TenantSchema.migrate(
              admin.database(database), names.ownerRole(), migrationLocations, null);
      log.info(
          "tenant {}: import {} migrated from {} to {} ({} migrations)",
          tenant.tenantId(),
          input.importId(),
          m.fromVersion(),
          m.toVersion(),
          m.applied());
      return List.of();
    } catch (SQLException e) {
      throw DatabaseFailures.of("migrate_up", tenant.tenantId(), e);
    } catch (RuntimeException e) {
      // A Flyway failure: the input's schema does not take the tenant schema's migrations.
      return List.of(
          new ReportItem(
              null,
              null,
              "flyway_schema_history",
              "the tenant schema's migrations do not apply to the input: "
                  + firstLine(e.getMessage())));
    } finally {
      admin.release(database);
    }
  }

  @Override
  public List<ReportItem> verifyImport(
      ImportInput input, String database, Map<String, Long> expected) {
    Tenant tenant = placedTenant(input.tenantId());
    requireCopyName(tenant, input, database);
    ServerAdmin admin = access.admin(tenant);
    TenantDatabaseNames names = TenantDatabaseNames.of(tenant.tenantId());
    String appRole = TenantCredentials.decrypt(cipher, tenant).username();
    try {
      return ImportChecks.verify(
          admin, tenant.databaseName(), database, names.ownerRole(), appRole, expected);
    } catch (SQLException e) {
      throw DatabaseFailures.of("verify_import", tenant.tenantId(), e);
    } finally {
      admin.release(database);
      admin.release(tenant.databaseName());
    }
  }

  @Override
  public void discardInput(ImportInput input) {
    try {
      store.delete(objectKey(input.tenantId(), input.importId()));
    } catch (IOException e) {
      throw StepFailure.of(
          FailureType.UNAVAILABLE, "backup store delete failed: " + e.getMessage());
    }
    imports.discard(input.tenantId(), input.importId());
  }

  /** The staged file, decrypted from the store (a plain dump, an archive or a CSV bundle). */
  private byte[] read(ImportInput input) {
    return fromStore(input, InputStream::readAllBytes);
  }

  /** The first bytes of the staged file. */
  private byte[] head(ImportInput input, int bytes) {
    return fromStore(input, in -> in.readNBytes(bytes));
  }

  /**
   * The staged file decrypted into a new temporary file only this process's user may read (the
   * caller deletes it); a failed write leaves no file behind.
   */
  private Path decryptToFile(ImportInput input) {
    sweepTempFiles(input.importId());
    Path file;
    try {
      file =
          Files.createTempFile(
              TEMP_PREFIX + input.importId() + "-",
              ".pgc",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (IOException e) {
      throw StepFailure.of(
          FailureType.UNAVAILABLE, "cannot create a temporary file: " + e.getMessage());
    }
    try {
      fromStore(
          input,
          in -> {
            try (OutputStream out = Files.newOutputStream(file)) {
              PgPipes.feed(in, out);
            }
            return null;
          });
      return file;
    } catch (RuntimeException e) {
      deleteQuietly(file);
      throw e;
    }
  }

  /** The prefix of the temporary files a load decrypts a custom dump into. */
  static final String TEMP_PREFIX = "taskifai-import-";

  /**
   * Deletes the temporary files an earlier attempt of this import's load left on this host (a
   * worker killed while {@code pg_restore} read one cannot delete it).
   */
  static void sweepTempFiles(String importId) {
    Path dir = Path.of(System.getProperty("java.io.tmpdir"));
    try (var stale = Files.newDirectoryStream(dir, TEMP_PREFIX + importId + "-*.pgc")) {
      for (Path p : stale) {
        deleteQuietly(p);
      }
    } catch (IOException e) {
      log.warn("could not look for stale import files in {}: {}", dir, e.getMessage());
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("could not delete the temporary file {}: {}", file, e.getMessage());
    }
  }

  private interface Reading<T> {
    T read(InputStream decrypted) throws IOException;
  }

  private <T> T fromStore(ImportInput input, Reading<T> reading) {
    TenantImports.Import row = row(input);
    if (row.objectKey() == null || row.dataKey() == null) {
      throw StepFailure.of(
          FailureType.INVALID_STATE, "import " + input.importId() + " has no stored file");
    }
    UUID binding = binding(input.tenantId(), input.importId());
    byte[] dataKey = BackupCipher.unwrap(cipher, binding, row.dataKey());
    try (InputStream in =
        BackupCipher.decrypting(
            PgPipes.heartbeating(store.get(row.objectKey())), dataKey, binding)) {
      return reading.read(in);
    } catch (java.nio.file.NoSuchFileException e) {
      throw StepFailure.of(
          FailureType.INVALID_STATE, "import " + input.importId() + " is missing from the store");
    } catch (IOException e) {
      throw StepFailure.of(FailureType.UNAVAILABLE, "backup store read failed: " + e.getMessage());
    }
  }

  private TenantImports.Import row(ImportInput input) {
    return imports
        .find(input.tenantId(), input.importId())
        .orElseThrow(
            () ->
                StepFailure.of(
                    FailureType.INVALID_STATE,
                    "tenant " + input.tenantId() + " has no import " + input.importId()));
  }

  private static void requireImportId(ImportInput input) {
    if (input.importId() == null || !IMPORT_ID.matcher(input.importId()).matches()) {
      throw StepFailure.of(FailureType.INVALID_STATE, "import id must match [a-z0-9]{1,12}");
    }
  }

  /** The new database of an import: named as a restore's, so the restore's swap takes it. */
  static String copyName(Tenant tenant, String importId) {
    return TenantDatabaseNames.of(tenant.tenantId()).database() + "_r" + importId;
  }

  private static void requireCopyName(Tenant tenant, ImportInput input, String database) {
    if (!copyName(tenant, input.importId()).equals(database)) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          database + " is not the import database of " + input.importId());
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "(no message)";
    }
    String line = message.strip().split("\n", 2)[0];
    return line.length() > 300 ? line.substring(0, 300) : line;
  }

  private Tenant placedTenant(UUID tenantId) {
    return access.placedTenant(tenantId, "has no database to import into");
  }

  /** The schema version of a database (PgPipes' reading, on a new session). */
  private static final class PgPipesVersions {
    static String schemaVersion(ServerAdmin admin, String database) throws SQLException {
      try (var c = admin.unpooled(database).getConnection()) {
        return PgPipes.schemaVersion(c);
      }
    }
  }
}
