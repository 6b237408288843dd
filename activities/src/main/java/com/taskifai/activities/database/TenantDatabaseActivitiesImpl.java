package com.taskifai.activities.database;

import com.taskifai.activities.ActivitiesConfig;
import com.taskifai.activities.CurrentActivity;
import com.taskifai.activities.StagedSecrets;
import com.taskifai.activities.StepFailure;
import com.taskifai.activities.database.supabase.SupabaseProjects;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantDatabaseFences;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.providers.TenantProviders;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.tenantschema.TrialSchema;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.ports.StepInput;
import com.taskifai.workflows.ports.TenantDatabaseActivities;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Work inside the server that holds a tenant's database, over JDBC as the server's admin. Object
 * names come from the tenant id ({@link TenantDatabaseNames}), so every step finds an earlier
 * attempt's work; the schema steps call {@link TenantSchema}, which is idempotent.
 */
public final class TenantDatabaseActivitiesImpl
    implements TenantDatabaseActivities, SetPasswordLinks {
  /**
   * How many attempts of an offboarding's drop_database wait for another server that does not
   * answer (with the step's retry policy, about a minute) before leaving its copies to the
   * reconciler.
   */
  static final int OTHER_SERVER_ATTEMPTS = 5;

  private static final Logger log = LoggerFactory.getLogger(TenantDatabaseActivitiesImpl.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final TenantRegistry registry;
  private final DatabaseServers servers;
  private final StagedSecrets secrets;
  private final ActivitiesConfig config;
  private final com.taskifai.registry.FleetMigrations fleet;
  private final TemplateDatabase template;
  private final TenantDatabases databases;
  private final ServerAccess access;
  private final DatabaseFence fence;
  private final java.util.List<String> migrationLocations;
  private final SupabaseTenantDatabases supabase;
  private final TenantAdminLinks adminLinks;

  /**
   * @param supabase the Supabase adapter; null when this worker has no Supabase settings (a
   *     Supabase tenant's create_database then fails MISCONFIGURED)
   */
  public TenantDatabaseActivitiesImpl(
      DataSource platform,
      ServerAccess access,
      TenantRegistry registry,
      DatabaseServers servers,
      StagedSecrets secrets,
      ActivitiesConfig config,
      Clock clock,
      java.util.List<String> migrationLocations,
      TemplateDatabase template,
      SupabaseProjects supabase) {
    this(
        access,
        registry,
        servers,
        secrets,
        config,
        migrationLocations,
        template,
        new DatabaseFence(new TenantDatabaseFences(platform)),
        new TenantProviders(platform),
        supabase,
        new TenantAdminLinks(access, secrets, config.setPasswordTokenLifetime(), clock));
  }

  /**
   * @param fence the registry's create/undo fence of the tenant databases
   * @param providers the registry's database provider per tenant
   * @param supabase the Supabase adapter; null when this worker has no Supabase settings
   * @param adminLinks the set-password links of the tenants' admins
   */
  TenantDatabaseActivitiesImpl(
      ServerAccess access,
      TenantRegistry registry,
      DatabaseServers servers,
      StagedSecrets secrets,
      ActivitiesConfig config,
      java.util.List<String> migrationLocations,
      TemplateDatabase template,
      DatabaseFence fence,
      TenantProviders providers,
      SupabaseProjects supabase,
      TenantAdminLinks adminLinks) {
    this.access = access;
    this.fence = fence;
    this.migrationLocations = migrationLocations;
    this.template = template;
    this.databases = new TenantDatabases(template);
    this.supabase =
        new SupabaseTenantDatabases(registry, servers, providers, access, fence, supabase);
    this.adminLinks = adminLinks;
    this.registry = registry;
    this.servers = servers;
    this.secrets = secrets;
    this.config = config;
    this.fleet = registry.fleetMigrations();
  }

  /**
   * Owner role (NOLOGIN), app role (LOGIN), the database (from the template on the fast path),
   * CONNECT for the tenant's roles only. Safe beside another attempt for the same tenant and after
   * the undo: all of it runs under the tenant's {@link DatabaseFence}, which refuses once the undo
   * dropped the database. The app password is made once per tenant and staged (encrypted) before
   * the role gets it, so every later attempt sets the same one; once store_credentials took it into
   * the registry, the role is left as it is. The password is set with a SCRAM verifier computed
   * here, so it never reaches the server's statement log.
   */
  @Override
  public void createDatabase(StepInput input) {
    if (supabase.onSupabase(input.tenantId())) {
      supabase.ready(input.tenantId());
    }
    Tenant placed = placedTenant(input.tenantId());
    TenantDatabaseNames names = TenantDatabaseNames.of(placed.tenantId());
    ServerAdmin admin = admin(placed);
    try {
      fence.whileCreating(
          placed.tenantId(),
          () -> {
            CurrentActivity.checkpoint("fence");
            Tenant tenant = placedTenant(placed.tenantId());
            // A trial's credentials are the shared trial database's: its promotion creates it.
            if (tenant.hasCredentials() && !tenant.isTrial()) {
              log.info("tenant {}: credentials stored already; database done", tenant.tenantId());
              return;
            }
            try (Connection c = admin.maintenance().getConnection()) {
              // Refuse a foreign role before anything is staged or changed for this tenant.
              TenantDatabases.refuseForeignRoles(c, names, tenant.tenantId());
              databases.create(
                  c,
                  admin,
                  tenant,
                  names,
                  stagedPassword(tenant.tenantId()),
                  fastPath(tenant.tenantId()));
            }
          });
    } catch (SQLException e) {
      throw DatabaseFailures.of("create_database", placed.tenantId(), e);
    }
  }

  /**
   * The template fast path pays off on a server with many tenants; a Supabase project holds one, so
   * its database is created and migrated directly.
   */
  private boolean fastPath(UUID tenantId) {
    return config.templateFastPath() && !supabase.onSupabase(tenantId);
  }

  /** The tenant's staged app password, made and staged on the first call. */
  private String stagedPassword(UUID tenantId) {
    Optional<String> staged = secrets.get(tenantId, StagedSecrets.APP_PASSWORD);
    if (staged.isPresent()) {
      return staged.get();
    }
    String fresh = newPassword();
    secrets.put(tenantId, StagedSecrets.APP_PASSWORD, fresh);
    return fresh;
  }

  /**
   * Fences off every later create_database of the tenant (after a running one ended), ends every
   * session on the tenant database, drops it and both roles, and deletes the tenant's staged
   * secrets. Dropping what is not there is done.
   */
  @Override
  public void dropDatabase(StepInput input) {
    Optional<Tenant> tenant = registry.findById(input.tenantId());
    if (tenant.isPresent()
        && tenant.get().isTrial()
        && tenant.get().status() == com.taskifai.registry.TenantStatus.DELETING
        && tenant.get().databaseServerId() != null) {
      // Offboarding a trial: its rows leave the shared trial database. (As the undo of a
      // promotion's create_database the trial is ACTIVE and keeps them.)
      try {
        TrialSchema.deleteTenant(
            admin(tenant.get()).database(TrialSchema.DATABASE), input.tenantId());
      } catch (IllegalStateException e) {
        throw DatabaseFailures.unwrapped(
            e, cause -> DatabaseFailures.of("undo_create_database", input.tenantId(), cause));
      }
      log.info("deleted the rows of trial {} from the shared trial database", input.tenantId());
    }
    if (tenant.isPresent() && supabase.onSupabase(input.tenantId())) {
      // Deleting the project removes the database and the roles with it.
      supabase.drop(tenant.get());
      secrets.deleteAll(input.tenantId());
      return;
    }
    if (tenant.isPresent() && tenant.get().databaseServerId() != null) {
      TenantDatabaseNames names = TenantDatabaseNames.of(input.tenantId());
      ServerAdmin admin = admin(tenant.get());
      try {
        fence.markDropped(input.tenantId());
      } catch (SQLException e) {
        throw DatabaseFailures.of("undo_create_database", input.tenantId(), e);
      }
      try {
        databases.drop(admin, names);
      } catch (SQLException e) {
        throw DatabaseFailures.of("undo_create_database", input.tenantId(), e);
      }
      if (tenant.get().status() == com.taskifai.registry.TenantStatus.DELETING) {
        // Offboarding: old copies a move or promotion left on other servers (in their grace
        // period) go too. A server that does not answer fails the first attempts (it may be
        // restarting: the step is retried and drops what is left); after those it is skipped and
        // left to the reconciler, so a server gone for good does not hold the offboarding.
        List<String> unanswered = new ArrayList<>();
        for (DatabaseServers.Server other : servers.all()) {
          if (other.id().equals(tenant.get().databaseServerId())) {
            continue;
          }
          try {
            databases.drop(access.admin(other.id()), names);
          } catch (SQLException | RuntimeException e) {
            unanswered.add(other.id());
            log.warn(
                "tenant {}: its databases on server {} not checked: {}",
                input.tenantId(),
                other.id(),
                e.getMessage());
          }
        }
        int attempt = CurrentActivity.info().map(i -> i.getAttempt()).orElse(Integer.MAX_VALUE);
        if (!unanswered.isEmpty() && attempt < OTHER_SERVER_ATTEMPTS) {
          throw StepFailure.of(
              FailureType.UNAVAILABLE,
              "tenant "
                  + input.tenantId()
                  + ": servers "
                  + unanswered
                  + " did not answer; the step is retried to drop its old copies there");
        }
      }
      log.info("dropped database {} of tenant {}", names.database(), input.tenantId());
    }
    secrets.deleteAll(input.tenantId());
  }

  /**
   * Applies the tenant migrations as the owner role and grants the app role; 0 on a template copy.
   */
  @Override
  public void migrateSchema(StepInput input) {
    inTenantDatabase(
        input,
        "migrate_schema",
        (ds, names, admin) -> {
          if (fastPath(input.tenantId()) && template.isCurrentCopy(admin, ds)) {
            // create_database copied a template this process verified current, and granted the
            // app role: Flyway would apply nothing.
            log.info("tenant {}: schema current (template copy)", input.tenantId());
          } else {
            int applied =
                TenantSchema.migrate(ds, names.ownerRole(), migrationLocations, null).applied();
            TenantSchema.grantAppRole(ds, names.ownerRole(), names.appRole());
            log.info("tenant {}: {} migrations applied", input.tenantId(), applied);
          }
          fleet.recordSchemaVersion(input.tenantId(), TenantSchema.currentVersion(ds));
        });
  }

  @Override
  public void seedVendorConfigs(StepInput input) {
    inTenantDatabase(
        input,
        "seed_vendor_configs",
        (ds, names, admin) -> TenantSchema.seedVendorConfigs(ds, names.ownerRole()));
  }

  @Override
  public void applyRls(StepInput input) {
    inTenantDatabase(
        input,
        "apply_rls",
        (ds, names, admin) -> {
          TenantSchema.applyRls(ds, names.ownerRole());
          TenantSchema.grantAppRole(ds, names.ownerRole(), names.appRole());
        });
  }

  /**
   * Creates the tenant's first admin user, without a set-password link yet: send_welcome_email
   * issues the link when it mails it, so the link's lifetime starts when the tenant is live, not
   * before a verification wait of up to days.
   */
  @Override
  public void createAdminUser(StepInput input) {
    Tenant tenant = placedTenant(input.tenantId());
    inTenantDatabase(
        input,
        "create_admin_user",
        (ds, names, admin) -> {
          TenantSchema.createAdminUser(ds, names.ownerRole(), tenant.adminEmail(), null, null);
          // The last step inside the tenant database: its pooled admin sessions can go.
          admin.release(names.database());
        });
  }

  /** See {@link TenantAdminLinks#issueSetPasswordToken}. */
  @Override
  public Optional<String> issueSetPasswordToken(UUID tenantId, boolean renew) {
    return adminLinks.issueSetPasswordToken(tenantId, renew);
  }

  private interface TenantDatabaseWork {
    void run(DataSource tenantDatabase, TenantDatabaseNames names, ServerAdmin admin)
        throws SQLException;
  }

  private void inTenantDatabase(StepInput input, String step, TenantDatabaseWork work) {
    Tenant tenant = placedTenant(input.tenantId());
    TenantDatabaseNames names = TenantDatabaseNames.of(tenant.tenantId());
    ServerAdmin admin = admin(tenant);
    try {
      work.run(admin.database(names.database()), names, admin);
    } catch (SQLException e) {
      throw DatabaseFailures.of(step, tenant.tenantId(), e);
    } catch (RuntimeException e) {
      // TenantSchema and Flyway wrap the driver's exception; its SQLSTATE still decides.
      throw DatabaseFailures.unwrapped(
          e, cause -> DatabaseFailures.of(step, tenant.tenantId(), cause));
    }
  }

  private Tenant placedTenant(UUID tenantId) {
    return access.placedTenant(tenantId, "has no database placement: run place_database first");
  }

  private ServerAdmin admin(Tenant tenant) {
    return access.admin(tenant);
  }

  /** 32 random bytes, base64url: 256 bits, and safe in any connection string. */
  private static String newPassword() {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }
}
