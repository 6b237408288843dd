package com.taskifai.workflows.ports;

import com.taskifai.workflows.TenantScoped;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.UUID;

/**
 * Exports of one tenant's data: a ZIP archive ({@code taskifai-export/1}: manifest, {@code pg_dump
 * -Fc} and one CSV per table, all from one snapshot) written to a temporary file, encrypted into
 * the backup store under {@code exports/}, and a download link that expires. No input or result
 * carries a secret: the data key is sealed in the registry and the link's token is kept only as its
 * hash.
 */
@ActivityInterface
public interface ExportActivities {

  /** One export of one tenant; {@code linkTtlSeconds} is how long its first download link works. */
  record ExportInput(UUID tenantId, UUID exportId, String actor, long linkTtlSeconds)
      implements TenantScoped {}

  /** What a written archive holds (no secret, no row). */
  record ExportSummary(
      UUID exportId,
      long archiveBytes,
      long storedBytes,
      String sha256,
      String schemaVersion,
      int tables,
      long rows) {}

  /**
   * Checks that the export was requested for this tenant and may run (the tenant has a database of
   * its own and pg_dump reads its server) and marks it RUNNING. A second call is a no-op.
   */
  @ActivityMethod(name = "check_export")
  void checkExport(ExportInput input);

  /**
   * Writes the archive from one exported snapshot to a temporary file, encrypts it under the
   * export's data key into the store ({@code exports/<tenant>/<export>.tkx}) and records sizes,
   * digest and manifest summary. A retry writes it again and replaces the stored object.
   */
  @ActivityMethod(name = "write_archive")
  ExportSummary writeArchive(ExportInput input);

  /**
   * Makes the export READY with its first download link (expiring after {@code linkTtlSeconds}). A
   * second call, once the export is READY, changes nothing.
   */
  @ActivityMethod(name = "issue_link")
  void issueLink(ExportInput input);

  /**
   * Undo of an export that failed: deletes whatever the store holds for it and marks it FAILED with
   * the reason. A READY export is left alone; repeating it changes nothing.
   */
  @ActivityMethod(name = "undo_write_archive")
  void failExport(ExportInput input, String reason);
}
