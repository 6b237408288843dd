package com.taskifai.api.servers;

import com.taskifai.api.ApiException;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.providers.DatabaseProvider;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * The check {@code POST /admin/tenants} makes before it starts a workflow: a tenant of our own
 * PostgreSQL servers needs an OPEN server in its region with room. {@code place_database} checks
 * again when it places the database (a server may fill up in between) and fails without retries.
 */
@Component
public class ServerPlacement {
  private final DatabaseServers servers;

  ServerPlacement(DatabaseServers servers) {
    this.servers = servers;
  }

  /**
   * Refuses with 422 {@code no_capacity}, naming the region, when no OPEN server of the region has
   * room for a tenant of {@code provider} ({@code postgres}; other providers bring their own).
   */
  public void requireRoom(String region, String provider) {
    if (provider != null && !DatabaseProvider.POSTGRES.value().equals(provider)) {
      return;
    }
    if (servers.placeFor(region).isEmpty()) {
      throw new ApiException(
          HttpStatus.UNPROCESSABLE_ENTITY,
          "no_capacity",
          "no OPEN database server with room in region '"
              + region
              + "': register one (POST /admin/servers), open a closed one, raise a server's"
              + " capacity, or ask for another region",
          Map.of("region", region, "fields", Map.of("region", "has no database server with room")));
    }
  }
}
