package com.taskifai.workflows.ports;

import com.taskifai.workflows.TenantScoped;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * An import of a customer's data into a new database beside the tenant's: the staged input moved
 * into the backup store (encrypted), loaded as the tenant's owner role, migrated up and checked.
 * The swap onto the new database, its undo and the drop are the restore's ({@link
 * BackupActivities}). No input or result carries a secret or a row of the customer's data: the
 * uploaded file and a live source's connection string stay staged (encrypted) under the import's
 * id.
 */
@ActivityInterface
public interface ImportActivities {

  /**
   * One import of one tenant. {@code format} is {@code custom}, {@code plain}, {@code archive},
   * {@code csv} or {@code live}; {@code operationId} names the tenant's claim.
   */
  record ImportInput(UUID tenantId, String importId, String format, String operationId)
      implements TenantScoped {}

  /**
   * One thing wrong with the input: the file, and the line or object, and why. Holds no row of the
   * customer's data.
   */
  record ReportItem(String file, Integer line, String object, String reason) {}

  /**
   * What a load did: what is wrong (empty when nothing), and the rows loaded per table if known.
   */
  record LoadResult(List<ReportItem> report, Map<String, Long> rowCounts) {}

  /**
   * Moves the uploaded file (staged encrypted in the registry) into the backup store, encrypted
   * under a data key of its own, and checks its form (archive manifest and checksums, CSV rules); a
   * live source's connection string stays staged. Empty when the input is good. A second call finds
   * the stored object and checks it again.
   */
  @ActivityMethod(name = "stage_input")
  List<ReportItem> stageInput(ImportInput input);

  /**
   * Creates the new empty database on the tenant's server, owned by the tenant's owner role
   * (dropping an earlier attempt's), and names it with the tenant's current one.
   */
  @ActivityMethod(name = "prepare_import_copy")
  BackupActivities.RestoreTarget prepareImportCopy(ImportInput input);

  /**
   * Loads the input into the new database as the tenant's owner role in one transaction: a custom
   * dump through pg_restore without owners and privileges, a plain dump statement by statement over
   * JDBC (no psql, no backslash command), a CSV bundle through COPY, a live source through pg_dump
   * of one snapshot. Anything refused is reported, not thrown. A retry starts again on an emptied
   * database.
   */
  @ActivityMethod(name = "load_input")
  LoadResult loadInput(ImportInput input, String database);

  /**
   * Applies the tenant schema's migrations the loaded database lacks, as the owner role; reports an
   * input without the tenant schema's history or one the migrations do not apply to. Repeating it
   * changes nothing (Flyway's history holds what is applied).
   */
  @ActivityMethod(name = "migrate_up")
  List<ReportItem> migrateUp(ImportInput input, String database);

  /**
   * Checks the new database: schema version, constraints valid, row counts against {@code expected}
   * (null: none known), the tenant schema's row level security applied afresh, and a catalogue with
   * nothing outside the tenant schema (no other schema, SECURITY DEFINER function, extension, event
   * trigger or object of another owner); grants the app role its rights. Empty when the database is
   * good. Repeating it changes nothing.
   */
  @ActivityMethod(name = "verify_import")
  List<ReportItem> verifyImport(ImportInput input, String database, Map<String, Long> expected);

  /**
   * Deletes what the import staged: the stored file, its data key and a live source's connection
   * string. Deleting what is gone is done.
   */
  @ActivityMethod(name = "discard_input")
  void discardInput(ImportInput input);
}
