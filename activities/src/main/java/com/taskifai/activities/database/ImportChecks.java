package com.taskifai.activities.database;

import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.workflows.ports.ImportActivities.ReportItem;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The checks of an imported database before it is swapped in: the tenant's schema version, every
 * constraint valid, the row counts the input promised, and a catalogue holding nothing beyond the
 * tenant schema (no other schema, extension, SECURITY DEFINER function or event trigger, nothing
 * owned by another role than the tenant's owner). The tenant's current database is the measure of
 * what the schema holds. Then the tenant schema's row level security is applied afresh (whatever
 * policies the input brought are replaced) and the app role granted its rights.
 */
final class ImportChecks {
  private static final String SYSTEM_SCHEMAS =
      "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'"
          + " AND n.nspname NOT LIKE 'pg\\_temp\\_%'";

  private static final String SCHEMAS =
      "SELECT n.nspname FROM pg_namespace n WHERE " + SYSTEM_SCHEMAS + " ORDER BY 1";

  private static final String EXTENSIONS = "SELECT extname FROM pg_extension ORDER BY 1";

  private ImportChecks() {}

  static List<ReportItem> verify(
      ServerAdmin admin,
      String currentDatabase,
      String database,
      String ownerRole,
      String appRole,
      Map<String, Long> expected)
      throws SQLException {
    List<ReportItem> report = new ArrayList<>();
    try (Connection current = admin.unpooled(currentDatabase).getConnection();
        Connection c = admin.unpooled(database).getConnection()) {
      String want = PgPipes.schemaVersion(current);
      String got = PgPipes.schemaVersion(c);
      if (!Objects.equals(want, got)) {
        report.add(
            object(
                "flyway_schema_history",
                "schema version " + got + " after migrating up; the tenant's is " + want));
      }
      Set<String> schemas = names(current, SCHEMAS);
      for (String s : names(c, SCHEMAS)) {
        if (!schemas.contains(s)) {
          report.add(object("schema " + s, "is not part of the tenant schema"));
        }
      }
      Set<String> extensions = names(current, EXTENSIONS);
      for (String e : names(c, EXTENSIONS)) {
        if (!extensions.contains(e)) {
          report.add(object("extension " + e, "is not one the tenant schema uses"));
        }
      }
      for (String f :
          names(
              c,
              "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n"
                  + " ON n.oid = p.pronamespace WHERE p.prosecdef AND "
                  + SYSTEM_SCHEMAS
                  + " ORDER BY 1")) {
        report.add(
            object("function " + f, "is SECURITY DEFINER: it would run with its owner's rights"));
      }
      for (String t : names(c, "SELECT evtname FROM pg_event_trigger ORDER BY 1")) {
        report.add(object("event trigger " + t, "is not part of the tenant schema"));
      }
      for (String o : foreignOwned(c, ownerRole)) {
        report.add(object(o, "belongs to another role than the tenant's owner"));
      }
      for (String k :
          names(
              c,
              "SELECT conrelid::regclass::text || '.' || conname FROM pg_constraint"
                  + " WHERE NOT convalidated ORDER BY 1")) {
        report.add(object("constraint " + k, "is not valid for the rows imported"));
      }
      if (expected != null) {
        Map<String, Long> actual = PgPipes.rowCounts(c);
        for (Map.Entry<String, Long> e : expected.entrySet()) {
          if (e.getKey().equals("flyway_schema_history")) {
            continue; // migrate_up adds its rows
          }
          Long rows = actual.get(e.getKey());
          if (!e.getValue().equals(rows)) {
            report.add(
                object(
                    "table " + e.getKey(),
                    "holds " + rows + " rows; the input promised " + e.getValue()));
          }
        }
      }
    }
    if (!report.isEmpty()) {
      return report;
    }
    try {
      TenantSchema.applyRls(admin.database(database), ownerRole);
      TenantSchema.grantAppRole(admin.database(database), ownerRole, appRole);
      for (String gap : TenantSchema.protectionGaps(admin.database(database), appRole)) {
        report.add(object(gap.split(":", 2)[0], gap));
      }
    } catch (IllegalStateException e) {
      report.add(object("row level security", "cannot be applied: " + e.getMessage()));
    }
    return report;
  }

  /** Relations, functions and types in the tenant's schemas owned by another role. */
  private static List<String> foreignOwned(Connection c, String ownerRole) throws SQLException {
    String sql =
        "SELECT 'relation ' || c.oid::regclass::text FROM pg_class c JOIN pg_namespace n"
            + " ON n.oid = c.relnamespace WHERE "
            + SYSTEM_SCHEMAS
            + " AND pg_get_userbyid(c.relowner) <> ?"
            + " UNION ALL SELECT 'function ' || p.oid::regprocedure::text FROM pg_proc p"
            + " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE "
            + SYSTEM_SCHEMAS
            + " AND pg_get_userbyid(p.proowner) <> ?"
            + " UNION ALL SELECT 'type ' || t.oid::regtype::text FROM pg_type t"
            + " JOIN pg_namespace n ON n.oid = t.typnamespace WHERE "
            + SYSTEM_SCHEMAS
            + " AND pg_get_userbyid(t.typowner) <> ?"
            + " UNION ALL SELECT 'schema ' || n.nspname FROM pg_namespace n WHERE "
            + SYSTEM_SCHEMAS
            + " AND n.nspname <> 'public' AND pg_get_userbyid(n.nspowner) <> ?"
            + " ORDER BY 1";
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 1; i <= 4; i++) {
        ps.setString(i, ownerRole);
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }

  private static Set<String> names(Connection c, String sql) throws SQLException {
    Set<String> out = new LinkedHashSet<>();
    try (PreparedStatement ps = c.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  private static ReportItem object(String object, String reason) {
    return new ReportItem(null, null, object, reason);
  }
}
