package com.taskifai.tenantschema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;

/**
 * The schema of every tenant database: Flyway migrations under {@code classpath:db/tenant}, the
 * grants of the app role, the default vendor configs, the row level security policies and the first
 * admin user.
 *
 * <p>Every method connects with an administrator of the tenant database (a superuser, or a server
 * admin that is a member of the owner role) and works as {@code ownerRole} ({@code SET ROLE}), so
 * every object belongs to the owner role and none to the administrator. Every method is idempotent.
 */
public final class TenantSchema {
  /** The tables that hold tenant data; each has row level security enabled and forced. */
  public static final List<String> TENANT_TABLES =
      List.of(
          "users",
          "products",
          "vendor_configs",
          "upload_batches",
          "sellout_entries2",
          "ecommerce_orders",
          "conversation_history");

  private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  // The request's identity, as the routing runtime sets it with SET LOCAL. The second argument of
  // current_setting makes a missing setting NULL, and NULL never passes a policy.
  private static final String IS_ADMIN = "current_setting('app.user_role', true) = 'admin'";
  private static final String IS_MEMBER =
      "current_setting('app.user_role', true) IN ('admin', 'user')";
  private static final String IS_AUTH = "current_setting('app.user_role', true) = 'auth'";
  private static final String USER_ID = "NULLIF(current_setting('app.user_id', true), '')::uuid";

  private TenantSchema() {}

  /**
   * Applies the {@code db/tenant} migrations as {@code ownerRole}. Idempotent.
   *
   * @return the number of migrations applied (0 when the schema is current)
   */
  public static int migrate(DataSource admin, String ownerRole) {
    return migrate(admin, ownerRole, DEFAULT_LOCATIONS, null).applied();
  }

  /** The product's migrations: {@code classpath:db/tenant}. */
  public static final List<String> DEFAULT_LOCATIONS = List.of("classpath:db/tenant");

  /** What one migrate call did: the version before and after, and how many migrations it ran. */
  public record Migrated(String fromVersion, String toVersion, int applied) {}

  /**
   * Applies the migrations of {@code locations} up to {@code target} (null: the newest) as {@code
   * ownerRole}. Idempotent: Flyway's history holds what is applied, and a failed migration rolls
   * back (PostgreSQL DDL is transactional), so a retry starts it again.
   */
  public static Migrated migrate(
      DataSource admin, String ownerRole, List<String> locations, String target) {
    return migrate(admin, ownerRole, locations, target, config -> {});
  }

  /**
   * As {@link #migrate(DataSource, String, List, String)}, with {@code customize} adjusting the
   * Flyway configuration (the shared trial database groups its migrations with its policies).
   */
  static Migrated migrate(
      DataSource admin,
      String ownerRole,
      List<String> locations,
      String target,
      Consumer<FluentConfiguration> customize) {
    requireIdentifier(ownerRole);
    allowOwnerToCreate(admin, ownerRole);
    adoptObjects(admin, ownerRole);
    FluentConfiguration config = flyway(admin, ownerRole, locations);
    if (target != null) {
      config.target(target);
    }
    customize.accept(config);
    var result = config.load().migrate();
    return new Migrated(
        result.initialSchemaVersion, currentVersion(admin), result.migrationsExecuted);
  }

  /** The Flyway configuration of a tenant database's migrations, run as {@code ownerRole}. */
  static FluentConfiguration flyway(DataSource admin, String ownerRole, List<String> locations) {
    return Flyway.configure()
        .dataSource(new OwnerRoleDataSource(admin, ownerRole))
        .locations(locations.toArray(String[]::new))
        // A database a newer release migrated further is no error for an older one: during a
        // rolling deploy old workers still provision and roll back nothing.
        .ignoreMigrationPatterns("*:missing");
  }

  /**
   * The version of the newest successful versioned migration in the database's Flyway history; null
   * when it has none.
   */
  public static String currentVersion(DataSource any) {
    try (Connection c = any.getConnection();
        Statement st = c.createStatement()) {
      try (ResultSet rs =
          st.executeQuery("SELECT to_regclass('public.flyway_schema_history') IS NOT NULL")) {
        rs.next();
        if (!rs.getBoolean(1)) {
          return null;
        }
      }
      try (ResultSet rs =
          st.executeQuery(
              "SELECT version FROM flyway_schema_history WHERE success AND version IS NOT NULL"
                  + " ORDER BY installed_rank DESC LIMIT 1")) {
        return rs.next() ? rs.getString(1) : null;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot read the tenant schema version: " + e.getMessage(), e);
    }
  }

  private static final Pattern EXTENSION = Pattern.compile("[a-z][a-z0-9_]{0,39}");

  /** True when {@code name} can name a schema extension (lower case, digits, underscores). */
  public static boolean isExtensionName(String name) {
    return name != null && EXTENSION.matcher(name).matches();
  }

  /**
   * The Flyway locations of a schema extension: for each migration location {@code L}, the folder
   * {@code L-extensions/<name>} (so {@code classpath:db/tenant} gives {@code
   * classpath:db/tenant-extensions/<name>}).
   */
  public static List<String> extensionLocations(List<String> locations, String name) {
    if (!isExtensionName(name)) {
      throw new IllegalArgumentException("'" + name + "' is not an extension name");
    }
    return locations.stream().map(l -> l + "-extensions/" + name).toList();
  }

  /** True when some location ships the extension (a class path folder of that name exists). */
  public static boolean extensionShipped(List<String> locations, String name) {
    if (!isExtensionName(name)) {
      return false;
    }
    ClassLoader loader = TenantSchema.class.getClassLoader();
    for (String location : extensionLocations(locations, name)) {
      if (location.startsWith("classpath:")
          && loader.getResource(location.substring("classpath:".length()) + "/") != null) {
        return true;
      }
    }
    return false;
  }

  /**
   * Applies a schema extension's migrations as {@code ownerRole}, after the base migrations, with
   * its own history table {@code flyway_ext_<name>} (baselined at 0 on a database that has other
   * tables). Idempotent.
   */
  public static Migrated migrateExtension(
      DataSource admin, String ownerRole, List<String> locations, String name) {
    requireIdentifier(ownerRole);
    List<String> where = extensionLocations(locations, name);
    String table = "flyway_ext_" + name;
    var result =
        Flyway.configure()
            .dataSource(new OwnerRoleDataSource(admin, ownerRole))
            .locations(where.toArray(String[]::new))
            .table(table)
            .baselineOnMigrate(true)
            .baselineVersion("0")
            .ignoreMigrationPatterns("*:missing")
            .load()
            .migrate();
    return new Migrated(
        result.initialSchemaVersion, versionIn(admin, table), result.migrationsExecuted);
  }

  private static String versionIn(DataSource any, String historyTable) {
    try (Connection c = any.getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT version FROM "
                    + historyTable
                    + " WHERE success AND version IS NOT NULL AND type <> 'BASELINE'"
                    + " ORDER BY installed_rank DESC LIMIT 1")) {
      return rs.next() ? rs.getString(1) : null;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read " + historyTable + ": " + e.getMessage(), e);
    }
  }

  /** Flyway history tables (the base one and each extension's) are never the app's. */
  static boolean isHistoryTable(String table) {
    return table.equals("flyway_schema_history") || table.startsWith("flyway_ext_");
  }

  /** Tables no policy protects on purpose: Flyway's history and read-only reference data. */
  public static final List<String> UNPROTECTED_TABLES =
      List.of("flyway_schema_history", "currency_codes");

  /**
   * Grants {@code appRole} SELECT, INSERT, UPDATE, DELETE on every tenant table, USAGE on the
   * sequences, and the same on tables later migrations create. The app role gets nothing on the
   * Flyway history. Idempotent.
   */
  public static void grantAppRole(DataSource admin, String ownerRole, String appRole) {
    requireIdentifier(ownerRole);
    requireIdentifier(appRole);
    asOwner(
        admin,
        ownerRole,
        false,
        st -> {
          st.execute("GRANT USAGE ON SCHEMA public TO " + appRole);
          st.execute(
              "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + appRole);
          st.execute("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO " + appRole);
          st.execute(
              "ALTER DEFAULT PRIVILEGES FOR ROLE "
                  + ownerRole
                  + " IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "
                  + appRole);
          st.execute(
              "ALTER DEFAULT PRIVILEGES FOR ROLE "
                  + ownerRole
                  + " IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO "
                  + appRole);
          st.execute("REVOKE ALL ON flyway_schema_history FROM " + appRole);
          List<String> extensionHistories = new ArrayList<>();
          try (ResultSet rs =
              st.executeQuery(
                  "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                      + " AND tablename LIKE 'flyway\\_ext\\_%'")) {
            while (rs.next()) {
              extensionHistories.add(rs.getString(1));
            }
          }
          for (String history : extensionHistories) {
            st.execute("REVOKE ALL ON \"" + history.replace("\"", "\"\"") + "\" FROM " + appRole);
          }
          // Currencies are reference data: readable, never written by the app.
          st.execute("REVOKE INSERT, UPDATE, DELETE ON currency_codes FROM " + appRole);
          return null;
        });
  }

  /**
   * Upserts the default vendor configs, one per sample shape in {@code data/sellout}. Idempotent.
   *
   * @return the number of default configs
   */
  public static int seedVendorConfigs(DataSource admin, String ownerRole) {
    return seedVendorConfigs(admin, ownerRole, null);
  }

  /** As {@link #seedVendorConfigs(DataSource, String)}, for a trial in the shared database. */
  public static int seedVendorConfigs(DataSource admin, String ownerRole, UUID trialTenant) {
    requireIdentifier(ownerRole);
    List<VendorConfig> defaults = VendorConfig.defaults();
    asOwner(
        admin,
        ownerRole,
        true,
        trialTenant,
        st -> {
          try (PreparedStatement ps =
              st.getConnection()
                  .prepareStatement(
                      "INSERT INTO vendor_configs (vendor_key, display_name, delimiter, quote_char,"
                          + " header_line, period_format, decimal_separator, default_currency,"
                          + " column_mapping) VALUES (?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS jsonb))"
                          + " ON CONFLICT ON CONSTRAINT vendor_configs_pkey DO UPDATE SET"
                          + " display_name = EXCLUDED.display_name, delimiter = EXCLUDED.delimiter,"
                          + " quote_char = EXCLUDED.quote_char, header_line = EXCLUDED.header_line,"
                          + " period_format = EXCLUDED.period_format,"
                          + " decimal_separator = EXCLUDED.decimal_separator,"
                          + " default_currency = EXCLUDED.default_currency,"
                          + " column_mapping = EXCLUDED.column_mapping, updated_at = now()")) {
            for (VendorConfig v : defaults) {
              ps.setString(1, v.vendorKey());
              ps.setString(2, v.displayName());
              ps.setString(3, String.valueOf(v.delimiter()));
              ps.setString(4, String.valueOf(v.quoteChar()));
              ps.setInt(5, v.headerLine());
              ps.setString(6, v.periodFormat());
              ps.setString(7, String.valueOf(v.decimalSeparator()));
              ps.setString(8, v.defaultCurrency());
              ps.setString(9, v.columnMappingJson());
              ps.addBatch();
            }
            ps.executeBatch();
          }
          return null;
        });
    return defaults.size();
  }

  /**
   * Enables and forces row level security on every tenant table and (re)creates the policies. The
   * policies read {@code app.user_id} and {@code app.user_role} and name no role, so a database
   * copied from a template keeps working. Idempotent.
   *
   * <ul>
   *   <li>an admin ({@code app.user_role = 'admin'}) reads and writes every row;
   *   <li>a user reads users, products, orders and vendor configs, and reads and writes only the
   *       upload batches, sell-out rows and conversations that are their own;
   *   <li>the sign-in flows ({@code app.user_role = 'auth'}) read and update users only.
   * </ul>
   */
  public static void applyRls(DataSource admin, String ownerRole) {
    requireIdentifier(ownerRole);
    asOwner(
        admin,
        ownerRole,
        false,
        st -> {
          applyRls(st);
          return null;
        });
  }

  private static Map<String, List<String>> policies() {
    return Map.of(
        "users",
        List.of(
            "CREATE POLICY member_read ON users FOR SELECT USING (" + IS_MEMBER + ")",
            "CREATE POLICY admin_write ON users FOR ALL USING ("
                + IS_ADMIN
                + ") WITH CHECK ("
                + IS_ADMIN
                + ")",
            "CREATE POLICY auth_read ON users FOR SELECT USING (" + IS_AUTH + ")",
            "CREATE POLICY auth_update ON users FOR UPDATE USING ("
                + IS_AUTH
                + ") WITH CHECK ("
                + IS_AUTH
                + ")"),
        "products",
        readAllWriteAdmin("products"),
        "vendor_configs",
        readAllWriteAdmin("vendor_configs"),
        "ecommerce_orders",
        readAllWriteAdmin("ecommerce_orders"),
        "upload_batches",
        ownRows("upload_batches", "uploaded_by"),
        "sellout_entries2",
        ownRows("sellout_entries2", "uploaded_by"),
        "conversation_history",
        ownRows("conversation_history", "user_id"));
  }

  /**
   * As {@link #applyRls(DataSource, String)}, in the open transaction of {@code st} (which acts as
   * the owner role), so a caller can replace the policies together with other changes.
   */
  static void applyRls(Statement st) throws SQLException {
    Map<String, List<String>> policies = policies();
    for (String table : TENANT_TABLES) {
      List<String> existing = new ArrayList<>();
      try (ResultSet rs =
          st.executeQuery(
              "SELECT policyname FROM pg_policies WHERE schemaname = 'public' AND tablename = '"
                  + table
                  + "'")) {
        while (rs.next()) {
          existing.add(rs.getString(1));
        }
      }
      for (String name : existing) {
        st.execute("DROP POLICY \"" + name.replace("\"", "\"\"") + "\" ON " + table);
      }
      for (String sql : policies.get(table)) {
        st.execute(sql);
      }
      st.execute("ALTER TABLE " + table + " ENABLE ROW LEVEL SECURITY");
      st.execute("ALTER TABLE " + table + " FORCE ROW LEVEL SECURITY");
    }
    // Tables later migrations add: the same protection. A table without policies of its own
    // gets "members read, admins write"; a migration that creates policies keeps them.
    List<String[]> others = new ArrayList<>();
    try (ResultSet rs =
        st.executeQuery(
            "SELECT c.relname, (SELECT count(*) FROM pg_policies p WHERE p.schemaname ="
                + " 'public' AND p.tablename = c.relname) FROM pg_class c JOIN pg_namespace"
                + " n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN"
                + " ('r', 'p')")) {
      while (rs.next()) {
        others.add(new String[] {rs.getString(1), rs.getString(2)});
      }
    }
    for (String[] t : others) {
      String table = t[0];
      if (TENANT_TABLES.contains(table)
          || UNPROTECTED_TABLES.contains(table)
          || isHistoryTable(table)) {
        continue;
      }
      String quoted = "\"" + table.replace("\"", "\"\"") + "\"";
      if (Integer.parseInt(t[1]) == 0) {
        for (String sql : readAllWriteAdmin(quoted)) {
          st.execute(sql);
        }
      }
      st.execute("ALTER TABLE " + quoted + " ENABLE ROW LEVEL SECURITY");
      st.execute("ALTER TABLE " + quoted + " FORCE ROW LEVEL SECURITY");
    }
  }

  /**
   * What is not protected as it must be: every table in {@code public} but {@link
   * #UNPROTECTED_TABLES} needs row level security enabled and forced, at least one policy, and
   * SELECT, INSERT, UPDATE and DELETE for {@code appRole}. Empty when all is well.
   */
  public static List<String> protectionGaps(DataSource any, String appRole) {
    requireIdentifier(appRole);
    List<String> gaps = new ArrayList<>();
    try (Connection c = any.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,"
                    + " (SELECT count(*) FROM pg_policies p WHERE p.schemaname = 'public'"
                    + " AND p.tablename = c.relname),"
                    + " has_table_privilege(?, c.oid, 'SELECT')"
                    + " AND has_table_privilege(?, c.oid, 'INSERT')"
                    + " AND has_table_privilege(?, c.oid, 'UPDATE')"
                    + " AND has_table_privilege(?, c.oid, 'DELETE')"
                    + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
                    + " ORDER BY c.relname")) {
      for (int i = 1; i <= 4; i++) {
        ps.setString(i, appRole);
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String table = rs.getString(1);
          if (UNPROTECTED_TABLES.contains(table) || isHistoryTable(table)) {
            continue;
          }
          if (!rs.getBoolean(2) || !rs.getBoolean(3)) {
            gaps.add(table + ": row level security not enabled and forced");
          }
          if (rs.getInt(4) == 0) {
            gaps.add(table + ": no policy");
          }
          if (!rs.getBoolean(5)) {
            gaps.add(table + ": the app role lacks SELECT, INSERT, UPDATE or DELETE");
          }
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot check the tenant tables' protection", e);
    }
    return gaps;
  }

  private static List<String> readAllWriteAdmin(String table) {
    return List.of(
        "CREATE POLICY member_read ON " + table + " FOR SELECT USING (" + IS_MEMBER + ")",
        "CREATE POLICY admin_write ON "
            + table
            + " FOR ALL USING ("
            + IS_ADMIN
            + ") WITH CHECK ("
            + IS_ADMIN
            + ")");
  }

  private static List<String> ownRows(String table, String ownerColumn) {
    String own = "(" + IS_ADMIN + " OR " + ownerColumn + " = " + USER_ID + ")";
    return List.of(
        "CREATE POLICY own_rows ON " + table + " FOR ALL USING " + own + " WITH CHECK " + own);
  }

  /** True when every tenant table exists and has row level security enabled and forced. */
  public static boolean rlsApplied(DataSource any) {
    try (Connection c = any.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname = ANY (?)"
                    + " AND c.relrowsecurity AND c.relforcerowsecurity")) {
      ps.setArray(1, c.createArrayOf("text", TENANT_TABLES.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1) == TENANT_TABLES.size();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the row level security of the tenant tables", e);
    }
  }

  /**
   * Creates the first admin user (role admin, no password) holding the hash of a one-time
   * set-password token (or none yet: both null), unless a user with that e-mail exists: then
   * returns that user's id and leaves the token alone, so a retried call cannot replace a token
   * already mailed.
   */
  public static UUID createAdminUser(
      DataSource admin,
      String ownerRole,
      String email,
      String setPasswordTokenHash,
      Instant tokenExpiresAt) {
    return createAdminUser(admin, ownerRole, email, setPasswordTokenHash, tokenExpiresAt, null);
  }

  /** As {@link #createAdminUser(DataSource, String, String, String, Instant)}, for a trial. */
  public static UUID createAdminUser(
      DataSource admin,
      String ownerRole,
      String email,
      String setPasswordTokenHash,
      Instant tokenExpiresAt,
      UUID trialTenant) {
    return putAdminUser(
        admin, ownerRole, email, setPasswordTokenHash, tokenExpiresAt, trialTenant, "DO NOTHING");
  }

  /**
   * Inserts the admin user (role admin) with the token's hash and expiry, or on a user with that
   * e-mail does {@code onConflict}; returns the user's id.
   */
  private static UUID putAdminUser(
      DataSource admin,
      String ownerRole,
      String email,
      String setPasswordTokenHash,
      Instant tokenExpiresAt,
      UUID trialTenant,
      String onConflict) {
    requireIdentifier(ownerRole);
    if (email == null || !email.contains("@")) {
      throw new IllegalArgumentException("admin e-mail must be an e-mail address");
    }
    String normalized = email.strip().toLowerCase(Locale.ROOT);
    return asOwner(
        admin,
        ownerRole,
        true,
        trialTenant,
        st -> {
          Connection c = st.getConnection();
          try (PreparedStatement ins =
              c.prepareStatement(
                  "INSERT INTO users (email, role, set_password_token_hash,"
                      + " set_password_token_expires_at) VALUES (?, 'admin', ?, ?)"
                      + " ON CONFLICT ON CONSTRAINT users_email_key "
                      + onConflict)) {
            ins.setString(1, normalized);
            ins.setString(2, setPasswordTokenHash);
            ins.setTimestamp(3, tokenExpiresAt == null ? null : Timestamp.from(tokenExpiresAt));
            ins.executeUpdate();
          }
          try (PreparedStatement sel = c.prepareStatement("SELECT id FROM users WHERE email = ?")) {
            sel.setString(1, normalized);
            try (ResultSet rs = sel.executeQuery()) {
              rs.next();
              return rs.getObject(1, UUID.class);
            }
          }
        });
  }

  /** Where a tenant admin's set-password link stands: password set, link hash and expiry. */
  public record AdminInvite(boolean passwordSet, String tokenHash, Instant tokenExpiresAt) {
    /** Whether a set-password link works at {@code now}. */
    public boolean linkLive(Instant now) {
      return tokenHash != null && tokenExpiresAt != null && tokenExpiresAt.isAfter(now);
    }
  }

  /** The admin user's set-password state, if the user exists. */
  public static Optional<AdminInvite> adminInvite(
      DataSource admin, String ownerRole, String email) {
    return adminInvite(admin, ownerRole, email, null);
  }

  /** As {@link #adminInvite(DataSource, String, String)}, for a trial. */
  public static Optional<AdminInvite> adminInvite(
      DataSource admin, String ownerRole, String email, UUID trialTenant) {
    requireIdentifier(ownerRole);
    String normalized = email.strip().toLowerCase(Locale.ROOT);
    return asOwner(
        admin,
        ownerRole,
        true,
        trialTenant,
        st -> {
          try (PreparedStatement sel =
              st.getConnection()
                  .prepareStatement(
                      "SELECT password_hash IS NOT NULL, set_password_token_hash,"
                          + " set_password_token_expires_at FROM users WHERE email = ?")) {
            sel.setString(1, normalized);
            try (ResultSet rs = sel.executeQuery()) {
              if (!rs.next()) {
                return Optional.empty();
              }
              Timestamp expires = rs.getTimestamp(3);
              return Optional.of(
                  new AdminInvite(
                      rs.getBoolean(1),
                      rs.getString(2),
                      expires == null ? null : expires.toInstant()));
            }
          }
        });
  }

  /**
   * Gives the admin user (created with role admin if missing) a new one-time set-password token:
   * its hash replaces any earlier one, so older links stop working. The password stays as it is
   * until the link is used.
   */
  public static UUID issueAdminSetPasswordToken(
      DataSource admin,
      String ownerRole,
      String email,
      String setPasswordTokenHash,
      Instant tokenExpiresAt) {
    return issueAdminSetPasswordToken(
        admin, ownerRole, email, setPasswordTokenHash, tokenExpiresAt, null);
  }

  /** As {@link #issueAdminSetPasswordToken(DataSource, String, String, String, Instant)}. */
  public static UUID issueAdminSetPasswordToken(
      DataSource admin,
      String ownerRole,
      String email,
      String setPasswordTokenHash,
      Instant tokenExpiresAt,
      UUID trialTenant) {
    return putAdminUser(
        admin,
        ownerRole,
        email,
        setPasswordTokenHash,
        java.util.Objects.requireNonNull(tokenExpiresAt, "a set-password token expires"),
        trialTenant,
        "DO UPDATE SET set_password_token_hash = EXCLUDED.set_password_token_hash,"
            + " set_password_token_expires_at = EXCLUDED.set_password_token_expires_at");
  }

  /**
   * A database copied from a template ({@code CREATE DATABASE ... TEMPLATE}) holds objects owned by
   * the template's owner role; the tenant's own owner role takes them over, so that grants and
   * later migrations work as for a database migrated from scratch. Tables first: their sequences
   * follow them.
   */
  private static void adoptObjects(DataSource admin, String ownerRole) {
    String others =
        "SELECT c.relkind, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE n.nspname = 'public' AND c.relkind IN (%s)"
            + " AND pg_get_userbyid(c.relowner) <> '"
            + ownerRole
            + "'";
    try (Connection c = admin.getConnection();
        Statement st = c.createStatement()) {
      for (String kinds : List.of("'r', 'p'", "'v', 'm'", "'S'")) {
        List<String[]> found = new ArrayList<>();
        try (ResultSet rs = st.executeQuery(String.format(others, kinds))) {
          while (rs.next()) {
            found.add(new String[] {rs.getString(1), rs.getString(2)});
          }
        }
        for (String[] o : found) {
          String kind =
              switch (o[0]) {
                case "v" -> "VIEW";
                case "m" -> "MATERIALIZED VIEW";
                case "S" -> "SEQUENCE";
                default -> "TABLE";
              };
          st.execute(
              "ALTER "
                  + kind
                  + " public.\""
                  + o[1].replace("\"", "\"\"")
                  + "\" OWNER TO "
                  + ownerRole);
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot hand the tenant schema's objects to " + ownerRole + ": " + e.getMessage(), e);
    }
  }

  /** PostgreSQL 15+ no longer lets every role create in {@code public}; the owner role needs to. */
  private static void allowOwnerToCreate(DataSource admin, String ownerRole) {
    try (Connection c = admin.getConnection();
        Statement st = c.createStatement()) {
      try (ResultSet rs =
          st.executeQuery(
              "SELECT has_schema_privilege('"
                  + ownerRole
                  + "', 'public', 'CREATE')"
                  + " AND has_schema_privilege('"
                  + ownerRole
                  + "', 'public', 'USAGE')")) {
        rs.next();
        if (rs.getBoolean(1)) {
          return;
        }
      }
      st.execute("GRANT USAGE, CREATE ON SCHEMA public TO " + ownerRole);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot let " + ownerRole + " create objects in schema public", e);
    }
  }

  private interface Work<T> {
    T run(Statement st) throws SQLException;
  }

  /**
   * Runs work in one transaction as the owner role; with {@code asTenantAdmin} the row level
   * security policies see a tenant admin, since setup writes rows after RLS may be forced.
   */
  private static <T> T asOwner(
      DataSource admin, String ownerRole, boolean asTenantAdmin, Work<T> work) {
    return asOwner(admin, ownerRole, asTenantAdmin, null, work);
  }

  /**
   * As {@link #asOwner(DataSource, String, boolean, Work)}; with {@code trialTenant} the work runs
   * in the shared trial database as that trial ({@code app.tenant_id}).
   */
  private static <T> T asOwner(
      DataSource admin, String ownerRole, boolean asTenantAdmin, UUID trialTenant, Work<T> work) {
    try (Connection c = admin.getConnection()) {
      boolean autoCommit = c.getAutoCommit();
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute("SET LOCAL ROLE " + ownerRole);
        if (asTenantAdmin) {
          st.execute("SET LOCAL app.user_role = 'admin'");
        }
        if (trialTenant != null) {
          st.execute("SET LOCAL app.tenant_id = '" + trialTenant + "'");
        }
        T result = work.run(st);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(autoCommit);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("tenant schema operation failed: " + e.getMessage(), e);
    }
  }

  private static void requireIdentifier(String name) {
    if (name == null || !IDENTIFIER.matcher(name).matches()) {
      throw new IllegalArgumentException("'" + name + "' is not a plain lower-case SQL identifier");
    }
  }
}
