package com.taskifai.tenantschema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The shared trial database of a server: the tenant schema ({@code db/tenant}) plus {@code
 * db/trial}, which tags every tenant table's rows with {@code tenant_id} (defaulting to the
 * transaction's {@code app.tenant_id}) and makes keys and references hold within one tenant. On top
 * of the per-user policies of {@link TenantSchema#applyRls}, every tenant table gets a RESTRICTIVE
 * policy {@code tenant_id = app.tenant_id}: a transaction sees and writes only the rows of the
 * trial it was routed to, and one without the setting sees nothing.
 *
 * <p>Every method connects as an administrator of the shared database and works as its owner role;
 * every method is idempotent.
 */
public final class TrialSchema {
  /** The Flyway location that turns the tenant schema into the shared trial schema. */
  public static final String TRIAL_LOCATION = "classpath:db/trial";

  /** The shared trial database's name on every server. */
  public static final String DATABASE = "taskifai_trials";

  /** Its owner role (NOLOGIN). */
  public static final String OWNER_ROLE = "taskifai_trials_owner";

  /** Its app role (LOGIN), which every trial's router pool logs in as. */
  public static final String APP_ROLE = "taskifai_trials_app";

  static final String TENANT = "NULLIF(current_setting('app.tenant_id', true), '')::uuid";

  private TrialSchema() {}

  /** The migration locations of the shared database: the tenant's, then the trial's. */
  public static List<String> locations(List<String> tenantLocations) {
    List<String> all = new ArrayList<>(tenantLocations);
    all.add(TRIAL_LOCATION);
    return all;
  }

  /**
   * Migrates the shared database, applies the per-user policies and the isolation policies, and
   * grants the app role. Idempotent.
   */
  public static void prepare(DataSource admin, List<String> tenantLocations) {
    TenantSchema.migrate(admin, OWNER_ROLE, locations(tenantLocations), null);
    TenantSchema.applyRls(admin, OWNER_ROLE);
    applyIsolation(admin);
    TenantSchema.grantAppRole(admin, OWNER_ROLE, APP_ROLE);
  }

  /**
   * Adds the RESTRICTIVE policy {@code trial_isolation} to every table that has a {@code tenant_id}
   * column, forces row level security on it, and lets the app role read its own row of {@code
   * trial.tenants}. Fails when a table of {@code public} with row level security has no {@code
   * tenant_id} (a tenant migration without its trial counterpart).
   */
  public static void applyIsolation(DataSource admin) {
    try (Connection c = admin.getConnection()) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute("SET LOCAL ROLE " + OWNER_ROLE);
        List<String> missing = new ArrayList<>();
        for (String table : protectedTables(st)) {
          if (!hasTenantColumn(c, table)) {
            missing.add(table);
            continue;
          }
          String quoted = "\"" + table.replace("\"", "\"\"") + "\"";
          st.execute("DROP POLICY IF EXISTS trial_isolation ON " + quoted);
          st.execute(
              "CREATE POLICY trial_isolation ON "
                  + quoted
                  + " AS RESTRICTIVE FOR ALL USING (tenant_id = "
                  + TENANT
                  + ") WITH CHECK (tenant_id = "
                  + TENANT
                  + ")");
          st.execute("ALTER TABLE " + quoted + " ENABLE ROW LEVEL SECURITY");
          st.execute("ALTER TABLE " + quoted + " FORCE ROW LEVEL SECURITY");
        }
        if (!missing.isEmpty()) {
          throw new IllegalStateException(
              "tables without tenant_id in the shared trial database: "
                  + missing
                  + "; add a db/trial migration for them");
        }
        st.execute("GRANT USAGE ON SCHEMA trial TO " + APP_ROLE);
        st.execute("GRANT SELECT ON trial.tenants TO " + APP_ROLE);
        // Enabled, not forced: the owner (the platform's steps) registers and freezes trials.
        st.execute("ALTER TABLE trial.tenants ENABLE ROW LEVEL SECURITY");
        st.execute("DROP POLICY IF EXISTS own_row ON trial.tenants");
        st.execute(
            "CREATE POLICY own_row ON trial.tenants FOR SELECT USING (tenant_id = " + TENANT + ")");
      }
      c.commit();
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot apply the trial isolation policies: " + e.getMessage(), e);
    }
  }

  private static List<String> protectedTables(Statement st) throws SQLException {
    List<String> tables = new ArrayList<>();
    try (ResultSet rs =
        st.executeQuery(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relrowsecurity"
                + " ORDER BY c.relname")) {
      while (rs.next()) {
        tables.add(rs.getString(1));
      }
    }
    return tables;
  }

  private static boolean hasTenantColumn(Connection c, String table) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = 'public'"
                + " AND table_name = ? AND column_name = 'tenant_id'")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /**
   * Registers a trial in the shared database: its row in {@code trial.tenants}, the default vendor
   * configs and its first admin user (no set-password link yet). Idempotent.
   *
   * @return the admin user's id
   */
  public static UUID registerTenant(DataSource admin, UUID tenantId, String adminEmail) {
    try (Connection c = admin.getConnection()) {
      c.setAutoCommit(false);
      asTrial(c, tenantId);
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO trial.tenants (tenant_id) VALUES (?) ON CONFLICT DO NOTHING")) {
        ps.setObject(1, tenantId);
        ps.executeUpdate();
      }
      c.commit();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot register trial " + tenantId + ": " + e, e);
    }
    TenantSchema.seedVendorConfigs(admin, OWNER_ROLE, tenantId);
    return TenantSchema.createAdminUser(admin, OWNER_ROLE, adminEmail, null, null, tenantId);
  }

  /**
   * Rows per tenant table of one trial, in {@link TenantSchema#TENANT_TABLES} order (references
   * before the tables that use them).
   */
  public static Map<String, Long> countRows(DataSource admin, UUID tenantId) {
    Map<String, Long> counts = new LinkedHashMap<>();
    try (Connection c = admin.getConnection()) {
      c.setAutoCommit(false);
      asTrial(c, tenantId);
      for (String table : TenantSchema.TENANT_TABLES) {
        try (PreparedStatement ps =
            c.prepareStatement("SELECT count(*) FROM " + table + " WHERE tenant_id = ?")) {
          ps.setObject(1, tenantId);
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            counts.put(table, rs.getLong(1));
          }
        }
      }
      c.commit();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot count the rows of trial " + tenantId, e);
    }
    return counts;
  }

  /**
   * Freezes a trial's writes for a promotion: waits for the trial's running transactions (they hold
   * its advisory lock shared) and marks it frozen, so every later trial transaction of the tenant
   * is read-only. Idempotent.
   */
  public static void freeze(DataSource admin, UUID tenantId, boolean frozen) {
    try (Connection c = admin.getConnection()) {
      c.setAutoCommit(false);
      asTrial(c, tenantId);
      try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?, ?)");
          PreparedStatement up =
              c.prepareStatement("UPDATE trial.tenants SET frozen = ? WHERE tenant_id = ?")) {
        lock.setInt(1, lockClass());
        lock.setInt(2, lockKey(tenantId));
        lock.execute();
        up.setBoolean(1, frozen);
        up.setObject(2, tenantId);
        up.executeUpdate();
      }
      c.commit();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot freeze trial " + tenantId + ": " + e, e);
    }
  }

  /**
   * Copies every row of a trial into a dedicated database (migrated, empty tenant tables), in one
   * transaction on each side: the trial's rows are read in one snapshot and written without their
   * {@code tenant_id}. A tenant table of the target that holds rows already is emptied first, so a
   * retried copy starts afresh.
   *
   * @return rows copied per table
   */
  public static Map<String, Long> copyTenant(
      DataSource shared, DataSource target, String targetOwnerRole, UUID tenantId) {
    Map<String, Long> copied = new LinkedHashMap<>();
    try (Connection from = shared.getConnection();
        Connection to = target.getConnection()) {
      from.setAutoCommit(false);
      from.setReadOnly(true);
      try (Statement st = from.createStatement()) {
        st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
      }
      asTrial(from, tenantId);
      to.setAutoCommit(false);
      try (Statement st = to.createStatement()) {
        st.execute("SET LOCAL ROLE " + targetOwnerRole);
        st.execute("SET LOCAL app.user_role = 'admin'");
        List<String> reversed = new ArrayList<>(TenantSchema.TENANT_TABLES);
        java.util.Collections.reverse(reversed);
        for (String table : reversed) {
          st.execute("DELETE FROM " + table);
        }
      }
      for (String table : TenantSchema.TENANT_TABLES) {
        List<String> columns = targetColumns(to, table);
        String list = String.join(", ", columns);
        String marks = String.join(", ", java.util.Collections.nCopies(columns.size(), "?"));
        long n = 0;
        try (PreparedStatement read =
                from.prepareStatement(
                    "SELECT " + list + " FROM " + table + " WHERE tenant_id = ? ORDER BY 1");
            PreparedStatement write =
                to.prepareStatement(
                    "INSERT INTO " + table + " (" + list + ") VALUES (" + marks + ")")) {
          read.setObject(1, tenantId);
          read.setFetchSize(1000);
          try (ResultSet rs = read.executeQuery()) {
            while (rs.next()) {
              for (int i = 1; i <= columns.size(); i++) {
                write.setObject(i, rs.getObject(i));
              }
              write.addBatch();
              if (++n % 500 == 0) {
                write.executeBatch();
              }
            }
          }
          write.executeBatch();
        }
        copied.put(table, n);
      }
      to.commit();
      from.commit();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot copy trial " + tenantId + ": " + e.getMessage(), e);
    }
    return copied;
  }

  private static List<String> targetColumns(Connection c, String table) throws SQLException {
    List<String> columns = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public'"
                + " AND table_name = ? ORDER BY ordinal_position")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          columns.add("\"" + rs.getString(1).replace("\"", "\"\"") + "\"");
        }
      }
    }
    return columns;
  }

  /** Rows per tenant table of a dedicated database (as its owner, seeing every row). */
  public static Map<String, Long> countDedicated(DataSource admin, String ownerRole) {
    Map<String, Long> counts = new LinkedHashMap<>();
    try (Connection c = admin.getConnection()) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute("SET LOCAL ROLE " + ownerRole);
        st.execute("SET LOCAL app.user_role = 'admin'");
        for (String table : TenantSchema.TENANT_TABLES) {
          try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            counts.put(table, rs.getLong(1));
          }
        }
      }
      c.commit();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot count the rows of " + ownerRole + "'s database", e);
    }
    return counts;
  }

  /** Deletes every row of a trial from the shared database, and its registration. Idempotent. */
  public static void deleteTenant(DataSource admin, UUID tenantId) {
    try (Connection c = admin.getConnection()) {
      c.setAutoCommit(false);
      asTrial(c, tenantId);
      List<String> reversed = new ArrayList<>(TenantSchema.TENANT_TABLES);
      java.util.Collections.reverse(reversed);
      for (String table : reversed) {
        try (PreparedStatement ps =
            c.prepareStatement("DELETE FROM " + table + " WHERE tenant_id = ?")) {
          ps.setObject(1, tenantId);
          ps.executeUpdate();
        }
      }
      try (PreparedStatement ps =
          c.prepareStatement("DELETE FROM trial.tenants WHERE tenant_id = ?")) {
        ps.setObject(1, tenantId);
        ps.executeUpdate();
      }
      c.commit();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot delete the rows of trial " + tenantId, e);
    }
  }

  /**
   * Makes the open transaction on {@code c} act as the owner role, a tenant admin and the trial
   * {@code tenantId}: the policies then show that trial's rows, whoever the administrator is.
   */
  private static void asTrial(Connection c, UUID tenantId) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute("SET LOCAL ROLE " + OWNER_ROLE);
      st.execute("SET LOCAL app.user_role = 'admin'");
      st.execute("SET LOCAL app.tenant_id = '" + tenantId + "'");
    }
  }

  /** The advisory lock class of trial write fences. */
  public static int lockClass() {
    return 0x7472_6961; // "tria"
  }

  /** The advisory lock key of one trial (a hash; a collision only makes two trials wait). */
  public static int lockKey(UUID tenantId) {
    return tenantId.hashCode();
  }

  /**
   * Starts a trial transaction on a connection of the shared database (auto-commit off): the
   * tenant's setting, its fence lock (shared) and, when a promotion froze its writes, a read-only
   * transaction. Returns whether the transaction is read-only.
   */
  public static boolean beginTenantTransaction(Connection c, UUID tenantId) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT set_config('app.tenant_id', ?, true), pg_advisory_xact_lock_shared(?, ?)")) {
      ps.setString(1, tenantId.toString());
      ps.setInt(2, lockClass());
      ps.setInt(3, lockKey(tenantId));
      ps.execute();
    }
    boolean frozen;
    try (PreparedStatement ps =
        c.prepareStatement("SELECT frozen FROM trial.tenants WHERE tenant_id = ?")) {
      ps.setObject(1, tenantId);
      try (ResultSet rs = ps.executeQuery()) {
        // A trial that is no longer registered (promoted, then deleted here) writes nothing.
        frozen = !rs.next() || rs.getBoolean(1);
      }
    }
    if (frozen) {
      try (Statement st = c.createStatement()) {
        st.execute("SET LOCAL transaction_read_only = on");
      }
    }
    return frozen;
  }
}
