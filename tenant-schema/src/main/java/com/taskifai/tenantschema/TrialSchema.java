package com.taskifai.tenantschema;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.zip.CRC32;
import javax.sql.DataSource;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;

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

  /**
   * The migration locations of the shared database: the tenant's, then the trial's: {@link
   * #TRIAL_LOCATION}, and for each further tenant location {@code L} (a test-only set) its
   * counterparts in {@code L-trial} when that exists.
   */
  public static List<String> locations(List<String> tenantLocations) {
    List<String> all = new ArrayList<>(tenantLocations);
    all.add(TRIAL_LOCATION);
    ClassLoader loader = TrialSchema.class.getClassLoader();
    for (String location : tenantLocations) {
      String counterpart = location + "-trial";
      if (!TenantSchema.DEFAULT_LOCATIONS.contains(location)
          && counterpart.startsWith("classpath:")
          && loader.getResource(counterpart.substring("classpath:".length()) + "/") != null) {
        all.add(counterpart);
      }
    }
    return all;
  }

  /** Bumped whenever the policies below change, so every trial database gets them again. */
  static final int POLICY_REVISION = 1;

  /** The name of the restrictive policy that keeps trials apart. */
  public static final String ISOLATION_POLICY = "trial_isolation";

  /**
   * Migrates the shared database to the newest schema, with the policies and grants. Idempotent.
   *
   * @see #migrate(DataSource, List, String)
   */
  public static void prepare(DataSource admin, List<String> tenantLocations) {
    migrate(admin, tenantLocations, null);
  }

  /**
   * Migrates the shared database up to the tenant schema version {@code tenantTarget} (null: the
   * newest) with its trial counterparts, and replaces the per-user and the isolation policies, all
   * in one transaction: Flyway groups the pending migrations, and a repeatable Java migration that
   * Flyway runs last in the same group replaces the policies. When a migration adds a table the
   * isolation cannot cover (no {@code tenant_id}), the whole change rolls back and the database
   * keeps its old schema and policies. Policies found missing without a pending migration are
   * replaced in a transaction of their own. Then the app role's grants. Idempotent.
   *
   * @return the tenant schema versions before and after (the newest applied migration of {@code
   *     tenantLocations}, not of {@code db/trial}) and the number of migrations applied
   */
  public static TenantSchema.Migrated migrate(
      DataSource admin, List<String> tenantLocations, String tenantTarget) {
    List<String> all = locations(tenantLocations);
    String before = tenantVersion(admin, tenantLocations);
    String flywayTarget = flywayTarget(admin, tenantLocations, tenantTarget);
    int checksum = policyChecksum(admin, all);
    TenantSchema.Migrated m;
    try {
      m =
          TenantSchema.migrate(
              admin,
              OWNER_ROLE,
              all,
              flywayTarget,
              config -> config.group(true).javaMigrations(new IsolationMigration(checksum)));
    } catch (FlywayException e) {
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      throw new IllegalStateException(
          "the trial database's schema change was rolled back as a whole: " + root.getMessage(), e);
    }
    try (Connection c = admin.getConnection()) {
      if (!isolationGaps(c).isEmpty()) {
        applyIsolation(admin);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot read the trial isolation policies: " + e.getMessage(), e);
    }
    TenantSchema.grantAppRole(admin, OWNER_ROLE, APP_ROLE);
    return new TenantSchema.Migrated(before, tenantVersion(admin, tenantLocations), m.applied());
  }

  /**
   * Replaces the per-user policies and the isolation policies in one transaction (see {@link
   * #applyPolicies(Statement)}). Idempotent.
   */
  public static void applyIsolation(DataSource admin) {
    try (Connection c = admin.getConnection()) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute("SET LOCAL ROLE " + OWNER_ROLE);
        applyPolicies(st);
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot apply the trial isolation policies: " + e.getMessage(), e);
    }
  }

  /**
   * In the open transaction of {@code st} (acting as the owner role): the per-user policies of
   * {@link TenantSchema#applyRls}, then the RESTRICTIVE policy {@code trial_isolation} on every
   * table that has a {@code tenant_id} column, with row level security forced, and the app role's
   * read of its own row of {@code trial.tenants}. Fails when a protected table of {@code public}
   * has no {@code tenant_id} (a tenant migration without its trial counterpart); the caller's
   * transaction then rolls back, so no moment is committed in which a table lacks the policy.
   */
  static void applyPolicies(Statement st) throws SQLException {
    Connection c = st.getConnection();
    TenantSchema.applyRls(st);
    List<String> missing = new ArrayList<>();
    for (String table : protectedTables(st)) {
      if (!hasTenantColumn(c, table)) {
        missing.add(table);
        continue;
      }
      String quoted = "\"" + table.replace("\"", "\"\"") + "\"";
      st.execute("DROP POLICY IF EXISTS " + ISOLATION_POLICY + " ON " + quoted);
      st.execute(
          "CREATE POLICY "
              + ISOLATION_POLICY
              + " ON "
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
              + "; add a db/trial migration that gives them a tenant_id");
    }
    st.execute("GRANT USAGE ON SCHEMA trial TO " + APP_ROLE);
    st.execute("GRANT SELECT ON trial.tenants TO " + APP_ROLE);
    // Enabled, not forced: the owner (the platform's steps) registers and freezes trials.
    st.execute("ALTER TABLE trial.tenants ENABLE ROW LEVEL SECURITY");
    st.execute("DROP POLICY IF EXISTS own_row ON trial.tenants");
    st.execute(
        "CREATE POLICY own_row ON trial.tenants FOR SELECT USING (tenant_id = " + TENANT + ")");
  }

  /**
   * The tables of a shared trial database that could show one trial's rows to another: every table
   * of {@code public} but the Flyway history and the reference data ({@link
   * TenantSchema#UNPROTECTED_TABLES}) needs a {@code tenant_id}, row level security enabled and
   * forced, and the RESTRICTIVE {@code trial_isolation} policy on {@code app.tenant_id} for every
   * command. One catalogue query; any role that can connect may run it. Empty when all is well.
   */
  public static List<String> isolationGaps(Connection c) throws SQLException {
    List<String> gaps = new ArrayList<>();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT c.relname,"
                    + " EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid"
                    + " AND a.attname = 'tenant_id' AND NOT a.attisdropped),"
                    + " c.relrowsecurity AND c.relforcerowsecurity,"
                    + " EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid"
                    + " AND p.polname = '"
                    + ISOLATION_POLICY
                    + "' AND NOT p.polpermissive AND p.polcmd = '*'"
                    + " AND pg_get_expr(p.polqual, p.polrelid) LIKE '%tenant_id%app.tenant_id%'"
                    + " AND pg_get_expr(p.polwithcheck, p.polrelid)"
                    + " LIKE '%tenant_id%app.tenant_id%')"
                    + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
                    + " ORDER BY c.relname")) {
      while (rs.next()) {
        String table = rs.getString(1);
        if (TenantSchema.UNPROTECTED_TABLES.contains(table) || TenantSchema.isHistoryTable(table)) {
          continue;
        }
        if (!rs.getBoolean(2)) {
          gaps.add(table + ": no tenant_id column");
        }
        if (!rs.getBoolean(3)) {
          gaps.add(table + ": row level security not enabled and forced");
        }
        if (!rs.getBoolean(4)) {
          gaps.add(table + ": no restrictive " + ISOLATION_POLICY + " policy");
        }
      }
    }
    return gaps;
  }

  /**
   * The version of the tenant schema a shared trial database is at: its newest applied migration
   * that comes from {@code tenantLocations} (a {@code db/trial} migration is a counterpart, not a
   * version of its own). Null when none is applied.
   */
  public static String tenantVersion(DataSource admin, List<String> tenantLocations) {
    if (TenantSchema.currentVersion(admin) == null) {
      return null;
    }
    Set<MigrationVersion> tenant = resolvedVersions(admin, tenantLocations);
    MigrationVersion newest = null;
    for (MigrationInfo info :
        TenantSchema.flyway(admin, OWNER_ROLE, locations(tenantLocations))
            .load()
            .info()
            .applied()) {
      MigrationVersion v = info.getVersion();
      if (v != null
          && info.getState().isApplied()
          && !info.getState().isFailed()
          && tenant.contains(v)
          && (newest == null || v.compareTo(newest) > 0)) {
        newest = v;
      }
    }
    return newest == null ? null : newest.getVersion();
  }

  /**
   * The Flyway target for a tenant schema target: the newest migration that is a tenant migration
   * up to {@code tenantTarget} or a trial migration before the next tenant migration after it (so
   * {@code V2} brings its counterparts {@code V2_1}, {@code V2_2} along). Null for null.
   */
  static String flywayTarget(DataSource admin, List<String> tenantLocations, String tenantTarget) {
    if (tenantTarget == null) {
      return null;
    }
    MigrationVersion target = MigrationVersion.fromVersion(tenantTarget);
    MigrationVersion next = null;
    for (MigrationVersion v : resolvedVersions(admin, tenantLocations)) {
      if (v.compareTo(target) > 0 && (next == null || v.compareTo(next) < 0)) {
        next = v;
      }
    }
    MigrationVersion newest = target;
    List<String> trialLocations = new ArrayList<>(locations(tenantLocations));
    trialLocations.removeAll(tenantLocations);
    for (MigrationVersion v : resolvedVersions(admin, trialLocations)) {
      if (v.compareTo(newest) > 0 && (next == null || v.compareTo(next) < 0)) {
        newest = v;
      }
    }
    return newest.getVersion();
  }

  private static Set<MigrationVersion> resolvedVersions(DataSource admin, List<String> where) {
    Set<MigrationVersion> versions = new HashSet<>();
    for (MigrationInfo info : TenantSchema.flyway(admin, OWNER_ROLE, where).load().info().all()) {
      if (info.getVersion() != null && info.getState().isResolved()) {
        versions.add(info.getVersion());
      }
    }
    return versions;
  }

  /**
   * The checksum of the policy migration: every versioned migration known (applied or pending) and
   * the policy revision, so a new migration or new policy code runs the policies again, in the new
   * migration's transaction.
   */
  private static int policyChecksum(DataSource admin, List<String> all) {
    CRC32 crc = new CRC32();
    crc.update(("policies:" + POLICY_REVISION).getBytes(StandardCharsets.UTF_8));
    for (MigrationInfo info : TenantSchema.flyway(admin, OWNER_ROLE, all).load().info().all()) {
      if (info.getVersion() != null) {
        crc.update(
            (";" + info.getVersion().getVersion() + "=" + info.getChecksum())
                .getBytes(StandardCharsets.UTF_8));
      }
    }
    return (int) crc.getValue();
  }

  /**
   * A repeatable migration, last in its group, that replaces every policy of the shared database in
   * the group's transaction; its checksum changes with the migrations and the policy code.
   */
  private static final class IsolationMigration implements JavaMigration {
    private final int checksum;

    IsolationMigration(int checksum) {
      this.checksum = checksum;
    }

    @Override
    public MigrationVersion getVersion() {
      return null;
    }

    @Override
    public String getDescription() {
      return "trial isolation policies";
    }

    @Override
    public Integer getChecksum() {
      return checksum;
    }

    @Override
    public boolean canExecuteInTransaction() {
      return true;
    }

    @Override
    public void migrate(Context context) throws SQLException {
      try (Statement st = context.getConnection().createStatement()) {
        applyPolicies(st);
      }
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
   * Each trial's share of the shared database in bytes: for every tenant table, its total size
   * (with indexes and TOAST) times the trial's part of its rows, summed. The shares of all trials
   * add up to the tenant tables' size; the rest (catalogue, Flyway history, free space) is the
   * platform's. Counted exactly, trial by trial, as each trial ({@link #countRows}).
   */
  public static Map<UUID, Long> rowShares(DataSource admin, Collection<UUID> trials) {
    Map<UUID, Map<String, Long>> rows = new LinkedHashMap<>();
    Map<String, Long> totals = new LinkedHashMap<>();
    for (UUID trial : trials) {
      Map<String, Long> counts = countRows(admin, trial);
      rows.put(trial, counts);
      counts.forEach((table, n) -> totals.merge(table, n, Long::sum));
    }
    Map<String, Long> sizes = tableSizes(admin);
    Map<UUID, Long> shares = new LinkedHashMap<>();
    rows.forEach(
        (trial, counts) -> {
          double bytes = 0;
          for (Map.Entry<String, Long> e : counts.entrySet()) {
            long total = totals.getOrDefault(e.getKey(), 0L);
            if (total > 0) {
              bytes += (double) sizes.getOrDefault(e.getKey(), 0L) * e.getValue() / total;
            }
          }
          shares.put(trial, Math.round(bytes));
        });
    return shares;
  }

  /**
   * One trial's share of the shared database in bytes, as {@link #rowShares} counts it but from a
   * connection the trial's rows are routed on (the router's): its rows are counted, the tables'
   * rows estimated from the planner's statistics ({@code reltuples}), so it needs no other trial's
   * rows. Runs in its own transaction on {@code c} (auto-commit off on return).
   */
  public static long rowShare(Connection c, UUID tenantId) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      try (PreparedStatement ps =
          c.prepareStatement("SELECT set_config('app.tenant_id', ?, true)")) {
        ps.setString(1, tenantId.toString());
        ps.execute();
      }
      try (Statement st = c.createStatement()) {
        st.execute("SET LOCAL app.user_role = 'admin'");
      }
      double bytes = 0;
      for (String table : TenantSchema.TENANT_TABLES) {
        long own;
        try (Statement st = c.createStatement();
            ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
          rs.next();
          own = rs.getLong(1);
        }
        if (own == 0) {
          continue;
        }
        try (Statement st = c.createStatement();
            ResultSet rs =
                st.executeQuery(
                    "SELECT pg_total_relation_size(c.oid), c.reltuples FROM pg_class c"
                        + " WHERE c.oid = 'public."
                        + table
                        + "'::regclass")) {
          rs.next();
          double all = Math.max(rs.getDouble(2), own);
          bytes += rs.getLong(1) * (own / all);
        }
      }
      c.commit();
      return Math.round(bytes);
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  private static Map<String, Long> tableSizes(DataSource admin) {
    Map<String, Long> sizes = new LinkedHashMap<>();
    try (Connection c = admin.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c"
                    + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " WHERE n.nspname = 'public' AND c.relname = ANY (?)")) {
      ps.setArray(1, c.createArrayOf("text", TenantSchema.TENANT_TABLES.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          sizes.put(rs.getString(1), rs.getLong(2));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the sizes of the trial tables", e);
    }
    return sizes;
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
