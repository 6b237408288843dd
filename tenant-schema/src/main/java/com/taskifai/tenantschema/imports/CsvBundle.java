package com.taskifai.tenantschema.imports;

import java.util.List;

/**
 * A bundle of CSV files, one per table, as an import reads it. Not imported yet: every bundle is
 * refused with a report that says so, before anything is staged.
 */
public record CsvBundle(List<ImportProblem> report) {
  public static CsvBundle read(byte[] zip) {
    return new CsvBundle(
        List.of(
            new ImportProblem(
                "(bundle)",
                null,
                null,
                "CSV bundles are not imported yet; import a pg_dump (custom or plain) or an"
                    + " export archive")));
  }
}
