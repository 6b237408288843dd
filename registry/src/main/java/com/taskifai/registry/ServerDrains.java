package com.taskifai.registry;

import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Draining a database server: it takes no new tenant while DRAINING (placement picks OPEN servers
 * only), its dedicated tenants are moved off, its trials are reported for promotion or offboarding,
 * and it is CLOSED once none is left on it.
 */
public final class ServerDrains {
  /**
   * Tenants that a drain moves: they have a database of their own and are serving or suspended.
   * Trials (rows in the server's shared trial database) do not move; see {@link #trials}.
   */
  private static final String MOVABLE = "status IN ('ACTIVE', 'SUSPENDED') AND tier <> 'trial'";

  /** Tenants that keep a server from closing: every one placed on it that is still alive. */
  private static final String PLACED = "status NOT IN ('DELETED', 'FAILED')";

  private final JdbcClient jdbc;

  public ServerDrains(DataSource dataSource) {
    this.jdbc = JdbcClient.create(dataSource);
  }

  /**
   * Sets an OPEN or DRAINING server DRAINING.
   *
   * @return false when there is no such server or it is CLOSED
   */
  public boolean markDraining(String serverId) {
    return jdbc.sql(
                "UPDATE database_servers SET state = 'DRAINING', updated_at = now()"
                    + " WHERE id = :id AND state IN ('OPEN', 'DRAINING')")
            .param("id", serverId)
            .update()
        == 1;
  }

  /** The tenants on the server a drain moves (ACTIVE or SUSPENDED, with a database). */
  public List<UUID> movableTenants(String serverId) {
    return jdbc.sql(
            "SELECT tenant_id FROM tenants WHERE database_server_id = :id AND database_name IS NOT"
                + " NULL AND "
                + MOVABLE
                + " ORDER BY created_at, tenant_id")
        .param("id", serverId)
        .query(UUID.class)
        .list();
  }

  /**
   * The live trials placed on the server (not DELETED or FAILED): a drain cannot move them, and
   * each needs an operator's promotion or offboarding before the server can close.
   */
  public List<UUID> trials(String serverId) {
    return jdbc.sql(
            "SELECT tenant_id FROM tenants WHERE database_server_id = :id AND tier = 'trial' AND "
                + PLACED
                + " ORDER BY created_at, tenant_id")
        .param("id", serverId)
        .query(UUID.class)
        .list();
  }

  /** How many live tenants (not DELETED or FAILED) are placed on the server. */
  public int placedTenants(String serverId) {
    return jdbc.sql("SELECT count(*) FROM tenants WHERE database_server_id = :id AND " + PLACED)
        .param("id", serverId)
        .query(Integer.class)
        .single();
  }

  /**
   * Sets a DRAINING server CLOSED when no live tenant is placed on it, in one statement.
   *
   * @return the live tenants still on it (0 when closed now or before)
   */
  public int closeIfEmpty(String serverId) {
    jdbc.sql(
            "UPDATE database_servers s SET state = 'CLOSED', updated_at = now()"
                + " WHERE s.id = :id AND s.state = 'DRAINING' AND NOT EXISTS"
                + " (SELECT 1 FROM tenants t WHERE t.database_server_id = s.id AND t."
                + PLACED
                + ")")
        .param("id", serverId)
        .update();
    return placedTenants(serverId);
  }
}
