package com.taskifai.activities.database;

import com.taskifai.activities.StepFailure;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.workflows.FailureType;
import java.util.UUID;

/**
 * How the activities reach a database server: a tenant as the registry places it, and the admin
 * account of the server that holds it ({@link ServerAdmin}), on the one set of pooled admin
 * sessions of the process ({@link AdminConnectionPools}). Built once per process and handed to
 * every activity that works inside a database server; {@link #close()} ends the pooled sessions.
 */
public final class ServerAccess implements AutoCloseable {
  private final TenantRegistry registry;
  private final DatabaseServers servers;
  private final CredentialCipher cipher;
  private final AdminConnectionPools pools;

  public ServerAccess(TenantRegistry registry, DatabaseServers servers, CredentialCipher cipher) {
    this(registry, servers, cipher, AdminConnectionPools.CONNECTION_TIMEOUT);
  }

  /**
   * As above, a step waiting at most {@code connectionTimeout} for an admin session (a server that
   * does not answer, a database that is gone) before it fails.
   */
  public ServerAccess(
      TenantRegistry registry,
      DatabaseServers servers,
      CredentialCipher cipher,
      java.time.Duration connectionTimeout) {
    this(registry, servers, cipher, connectionTimeout, java.util.function.UnaryOperator.identity());
  }

  /**
   * As above, each admin session's statements traced by {@code statementSpans} ({@code
   * PlatformTracing.statementSpans}: the identity when traces are off).
   */
  public ServerAccess(
      TenantRegistry registry,
      DatabaseServers servers,
      CredentialCipher cipher,
      java.time.Duration connectionTimeout,
      java.util.function.UnaryOperator<javax.sql.DataSource> statementSpans) {
    this.registry = registry;
    this.servers = servers;
    this.cipher = cipher;
    this.pools = new AdminConnectionPools(connectionTimeout, statementSpans);
  }

  /** The tenant's registry row; fails INVALID_STATE when there is none. */
  public Tenant tenant(UUID tenantId) {
    return registry.findById(tenantId).orElseThrow(() -> StepFailure.tenantMissing(tenantId));
  }

  /**
   * The tenant with a server and a database; otherwise fails INVALID_STATE with "tenant {id} {@code
   * missing}", which says what to do.
   */
  public Tenant placedTenant(UUID tenantId, String missing) {
    Tenant tenant = tenant(tenantId);
    if (tenant.databaseServerId() == null || tenant.databaseName() == null) {
      throw StepFailure.of(FailureType.INVALID_STATE, "tenant " + tenantId + " " + missing);
    }
    return tenant;
  }

  /** The registered server; fails MISCONFIGURED when it is not registered. */
  public DatabaseServers.Server server(String serverId) {
    return servers.find(serverId).orElseThrow(() -> StepFailure.serverMissing(serverId));
  }

  /** The admin of the server that holds the tenant's database. */
  ServerAdmin admin(Tenant tenant) {
    return admin(server(tenant.databaseServerId()));
  }

  /** The admin of a registered server. */
  ServerAdmin admin(String serverId) {
    return admin(server(serverId));
  }

  /** The admin of a server row. */
  ServerAdmin admin(DatabaseServers.Server server) {
    return new ServerAdmin(server, cipher, pools);
  }

  /** The cipher the registry's secrets are sealed with. */
  CredentialCipher cipher() {
    return cipher;
  }

  /** Ends the pooled admin sessions. */
  @Override
  public void close() {
    pools.close();
  }
}
