package com.taskifai.activities.database;

import com.taskifai.workflows.ports.ImportActivities.ReportItem;
import java.util.List;

/** A bundle of CSV files, one per table, as an import reads it. */
record CsvBundle(List<ReportItem> report) {
  static CsvBundle read(byte[] zip) {
    return new CsvBundle(List.of());
  }
}
