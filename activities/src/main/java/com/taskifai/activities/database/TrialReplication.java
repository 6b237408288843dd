package com.taskifai.activities.database;

import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.tenantschema.TrialSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;

/**
 * What an online promotion needs besides {@link OnlineReplication}: the shared trial database and a
 * dedicated database differ in shape, so plain logical replication could not land the trial's rows.
 *
 * <ul>
 *   <li>A row filter on {@code tenant_id} may only name columns of the replica identity, or every
 *       UPDATE and DELETE of every trial on the table would fail while the publication exists. Most
 *       shared tables are keyed by {@code id} alone, so {@link #keyByTenant} gives each tenant
 *       table a replica identity that includes {@code tenant_id}: a unique index it has ({@code
 *       (tenant_id, id)}), or one built concurrently. Once per shared database; it stays (the
 *       identity only adds the tenant to the old key logged for an UPDATE or DELETE).
 *   <li>The shared tables carry {@code tenant_id}, the dedicated ones do not, and a subscriber
 *       needs every published column. {@link #landTenantColumn} gives the new database's tables a
 *       nullable {@code tenant_id} for the time of the replication; {@link #dropTenantColumn}
 *       removes it again, writes held, before the copy is verified and the tenant swapped.
 * </ul>
 */
final class TrialReplication {
  /** How long the replica identity change may wait for its lock before it tries again. */
  private static final String LOCK_TIMEOUT = "1s";

  private TrialReplication() {}

  /** The replication of trial {@code tenantId}'s rows into its new database {@code target}. */
  static ReplicationScope scope(String target, UUID tenantId) {
    return ReplicationScope.trial(
        TrialSchema.DATABASE, target, TenantSchema.TENANT_TABLES, tenantId);
  }

  /**
   * Gives each tenant table of the shared trial database a replica identity that includes {@code
   * tenant_id}. A table whose identity has it already is skipped, so a second call changes nothing.
   * The index is built {@code CONCURRENTLY} (trials keep writing); the identity change itself takes
   * the table's lock for an instant, and gives up after {@link #LOCK_TIMEOUT} rather than queue
   * other trials' writes behind a long transaction (then tries again, five times).
   */
  static void keyByTenant(ServerAdmin admin) throws SQLException {
    try (Connection c = admin.unpooled(TrialSchema.DATABASE).getConnection()) {
      for (String table : TenantSchema.TENANT_TABLES) {
        if (identityHasTenant(c, table)) {
          continue;
        }
        String index = uniqueIndexWithTenant(c, table);
        if (index == null) {
          index = table + "_tenant_replica";
          String key = primaryKey(c, table);
          ServerAdmin.execute(c, "SET default_transaction_read_only = off");
          // A build that failed half-way leaves an invalid index of that name.
          ServerAdmin.execute(c, "DROP INDEX CONCURRENTLY IF EXISTS " + index);
          ServerAdmin.execute(
              c,
              "CREATE UNIQUE INDEX CONCURRENTLY "
                  + index
                  + " ON "
                  + table
                  + " (tenant_id, "
                  + key
                  + ")");
        }
        for (int attempt = 1; ; attempt++) {
          try {
            ServerAdmin.execute(c, "SET lock_timeout = '" + LOCK_TIMEOUT + "'");
            ServerAdmin.execute(
                c, "ALTER TABLE " + table + " REPLICA IDENTITY USING INDEX " + index);
            break;
          } catch (SQLException e) {
            // 55P03: the lock was not granted in time.
            if (!"55P03".equals(e.getSQLState()) || attempt >= 5) {
              throw e;
            }
          } finally {
            ServerAdmin.execute(c, "RESET lock_timeout");
          }
        }
      }
    }
  }

  /** Adds a nullable {@code tenant_id} to each tenant table of the new database. Idempotent. */
  static void landTenantColumn(ServerAdmin admin, String database) throws SQLException {
    try (Connection c = admin.unpooled(database).getConnection()) {
      for (String table : TenantSchema.TENANT_TABLES) {
        ServerAdmin.execute(c, "ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS tenant_id uuid");
      }
    }
  }

  /** Drops the landing column again; a database without it is left as it is. */
  static void dropTenantColumn(ServerAdmin admin, String database) throws SQLException {
    try (Connection c = admin.unpooled(database).getConnection()) {
      for (String table : TenantSchema.TENANT_TABLES) {
        ServerAdmin.execute(c, "ALTER TABLE " + table + " DROP COLUMN IF EXISTS tenant_id");
      }
    }
  }

  private static boolean identityHasTenant(Connection c, String table) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT c.relreplident = 'f' OR EXISTS (SELECT 1 FROM pg_index i"
                + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
                + " WHERE i.indrelid = c.oid AND a.attname = 'tenant_id'"
                + " AND ((c.relreplident = 'd' AND i.indisprimary)"
                + " OR (c.relreplident = 'i' AND i.indisreplident)))"
                + " FROM pg_class c WHERE c.oid = ?::regclass")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  /**
   * A valid unique index of the table on plain NOT NULL columns, {@code tenant_id} among them, that
   * can be its replica identity; null when it has none.
   */
  private static String uniqueIndexWithTenant(Connection c, String table) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT i.indexrelid::regclass::text FROM pg_index i WHERE i.indrelid = ?::regclass"
                + " AND i.indisunique AND i.indisvalid AND i.indimmediate"
                + " AND i.indpred IS NULL AND i.indexprs IS NULL"
                + " AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid"
                + " AND a.attnum = ANY (i.indkey) AND a.attname = 'tenant_id')"
                + " AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid"
                + " AND a.attnum = ANY (i.indkey) AND NOT a.attnotnull)"
                + " ORDER BY i.indnatts, 1 LIMIT 1")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  private static String primaryKey(Connection c, String table) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT string_agg(quote_ident(a.attname), ', '"
                + " ORDER BY array_position(i.indkey, a.attnum)) FROM pg_index i"
                + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
                + " WHERE i.indrelid = ?::regclass AND i.indisprimary"
                + " AND a.attname <> 'tenant_id'")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        String key = rs.getString(1);
        if (key == null) {
          throw new SQLException(table + " has no primary key to key its replication by", "42P10");
        }
        return key;
      }
    }
  }
}
