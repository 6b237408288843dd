package com.taskifai.activities.database;

import com.taskifai.activities.StepFailure;
import com.taskifai.activities.database.supabase.SupabaseProjects;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.providers.DatabaseProvider;
import com.taskifai.registry.providers.TenantProviders;
import com.taskifai.workflows.FailureType;
import java.sql.SQLException;
import java.util.UUID;

/**
 * The Supabase part of a tenant database's create and drop: a tenant whose provider is Supabase
 * gets a project of its own, registered as its database server, under the tenant's {@link
 * DatabaseFence}; dropping its database deletes the project.
 */
final class SupabaseTenantDatabases {
  private final TenantRegistry registry;
  private final DatabaseServers servers;
  private final TenantProviders providers;
  private final ServerAccess access;
  private final DatabaseFence fence;
  private final SupabaseProjects supabase;

  /**
   * @param supabase the Supabase adapter; null when this worker has no Supabase settings (a
   *     Supabase tenant's steps then fail MISCONFIGURED)
   */
  SupabaseTenantDatabases(
      TenantRegistry registry,
      DatabaseServers servers,
      TenantProviders providers,
      ServerAccess access,
      DatabaseFence fence,
      SupabaseProjects supabase) {
    this.registry = registry;
    this.servers = servers;
    this.providers = providers;
    this.access = access;
    this.fence = fence;
    this.supabase = supabase;
  }

  boolean onSupabase(UUID tenantId) {
    return providers.provider(tenantId) == DatabaseProvider.SUPABASE;
  }

  /**
   * The Supabase part of create_database: a healthy project registered as the tenant's database
   * server, after which the steps below run as on our own servers. The project is found or created
   * under the tenant's fence, so an attempt that timed out and its retry cannot both create one,
   * and a late attempt after the undo creates no project that nothing deletes.
   */
  void ready(UUID tenantId) {
    Tenant tenant =
        registry.findById(tenantId).orElseThrow(() -> StepFailure.tenantMissing(tenantId));
    if (tenant.databaseName() == null) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "tenant " + tenantId + " has no database placement: run place_database first");
    }
    SupabaseProjects projects = projects();
    if (tenant.databaseServerId() == null) {
      try {
        fence.whileCreating(tenantId, () -> projects.ensureProject(tenant));
      } catch (SQLException e) {
        throw DatabaseFailures.of("create_database", tenantId, e);
      }
    }
    projects.ensureReady(tenant);
  }

  /**
   * The Supabase part of undo_create_database: fences off later creates, closes this worker's
   * sessions on the project's database and deletes the project (which removes the database and the
   * roles with it).
   */
  void drop(Tenant tenant) {
    UUID tenantId = tenant.tenantId();
    try {
      fence.markDropped(tenantId);
    } catch (SQLException e) {
      throw DatabaseFailures.of("undo_create_database", tenantId, e);
    }
    String database = TenantDatabaseNames.of(tenantId).database();
    if (tenant.databaseServerId() != null) {
      servers.find(tenant.databaseServerId()).ifPresent(s -> access.admin(s).release(database));
    }
    projects().delete(tenantId);
  }

  private SupabaseProjects projects() {
    if (supabase == null) {
      throw StepFailure.of(
          FailureType.MISCONFIGURED,
          "a tenant uses the supabase database provider, but this worker has no"
              + " TASKIFAI_SUPABASE_ACCESS_TOKEN and TASKIFAI_SUPABASE_ORGANIZATION");
    }
    return supabase;
  }
}
