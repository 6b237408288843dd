package com.taskifai.activities.database;

import com.taskifai.activities.CurrentActivity;
import com.taskifai.activities.StepFailure;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TrialDatabases;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.tenantschema.TrialSchema;
import com.taskifai.workflows.FailureType;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Base64;
import java.util.List;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The servers' shared trial databases: each made on first use ({@link #ensure}, recorded in {@code
 * trial_databases}), and the one guard that keeps the per-tenant database steps (backup, restore,
 * move) off them: every trial on a server uses its one, so no such step may copy, dump, drop, fence
 * or re-password it. Trials leave it by promotion.
 */
public final class SharedTrialDatabases {
  private static final Logger log = LoggerFactory.getLogger(SharedTrialDatabases.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final TrialDatabases rows;
  private final CredentialCipher cipher;
  private final List<String> migrationLocations;

  /**
   * @param migrationLocations the Flyway locations of the tenant migrations the trial schema is
   *     prepared with
   */
  public SharedTrialDatabases(
      DataSource platform, CredentialCipher cipher, List<String> migrationLocations) {
    this(new TrialDatabases(platform), cipher, migrationLocations);
  }

  /**
   * @param rows the registry's rows of the shared trial databases
   * @param migrationLocations the Flyway locations of the tenant migrations the trial schema is
   *     prepared with
   */
  public SharedTrialDatabases(
      TrialDatabases rows, CredentialCipher cipher, List<String> migrationLocations) {
    this.rows = rows;
    this.cipher = cipher;
    this.migrationLocations = migrationLocations;
  }

  /** Whether the tenant is a trial or {@code database} is a server's shared trial database. */
  boolean touches(Tenant tenant, String database) {
    return tenant.isTrial() || rows.isShared(database);
  }

  /**
   * Fails INVALID_STATE when {@link #touches}: "{@code step}: tenant {id} is a trial in the shared
   * trial database[ {database}]{@code then}".
   */
  void refuse(Tenant tenant, String database, String step, boolean named, String then) {
    if (touches(tenant, database)) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          (step == null ? "" : step + ": ")
              + "tenant "
              + tenant.tenantId()
              + " is a trial in the shared trial database"
              + (named ? " " + database : "")
              + then);
    }
  }

  /** The context the shared app role's password is sealed under. */
  private static String passwordContext(String serverId) {
    return com.taskifai.registry.CredentialRotation.trialPasswordContext(serverId);
  }

  /**
   * The shared trial database of the server, made on first use: its row in {@code trial_databases}
   * (with a new sealed password), then under a server-wide advisory lock the roles, the database,
   * the schema and the isolation policies. Returns the app role's password.
   */
  String ensure(ServerAdmin admin) throws SQLException {
    String serverId = admin.serverId();
    rows.record(
        serverId,
        TrialSchema.DATABASE,
        TrialSchema.OWNER_ROLE,
        TrialSchema.APP_ROLE,
        cipher.encrypt(newPassword(), passwordContext(serverId)));
    TrialDatabases.Row row = rows.find(serverId).orElseThrow();
    String sealed = row.sealedAppPassword();
    boolean ready = row.ready();
    String password = cipher.decrypt(sealed, passwordContext(serverId));
    if (ready) {
      return password;
    }
    try (Connection c = admin.maintenance().getConnection()) {
      try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_lock(?, 0)")) {
        lock.setInt(1, TrialSchema.lockClass());
        lock.execute();
      }
      try {
        ServerAdmin.ensureRole(c, TrialSchema.OWNER_ROLE, "NOLOGIN");
        ServerAdmin.ensureRole(
            c, TrialSchema.APP_ROLE, "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE");
        c.unwrap(PGConnection.class)
            .alterUserPassword(TrialSchema.APP_ROLE, password.toCharArray(), "scram-sha-256");
        ServerAdmin.grantRoleToAdmin(c, TrialSchema.OWNER_ROLE);
        CurrentActivity.checkpoint("roles");
        List<String> connect = List.of(TrialSchema.OWNER_ROLE, TrialSchema.APP_ROLE);
        if (ServerAdmin.databaseExists(c, TrialSchema.DATABASE)) {
          IsolatedDatabase.isolate(c, TrialSchema.DATABASE, connect);
        } else {
          IsolatedDatabase.create(c, TrialSchema.DATABASE, TrialSchema.OWNER_ROLE, null, connect);
          log.info("created the shared trial database on server {}", serverId);
        }
        TrialSchema.prepare(admin.database(TrialSchema.DATABASE), migrationLocations);
      } finally {
        try (PreparedStatement unlock = c.prepareStatement("SELECT pg_advisory_unlock(?, 0)")) {
          unlock.setInt(1, TrialSchema.lockClass());
          unlock.execute();
        }
      }
    }
    rows.markReady(serverId);
    return password;
  }

  /** 32 random bytes, base64url. */
  private static String newPassword() {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }
}
