package com.taskifai.api.tenants;

import com.taskifai.api.ApiException;
import com.taskifai.api.ApiSettings;
import com.taskifai.registry.DatabaseServers;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Where a live import may read from: never the platform's own registry database nor a registered
 * database server (those hold other tenants' databases, and an import reads with whatever
 * credentials the request carries), unless the operator allows the host with {@code
 * TASKIFAI_IMPORT_SOURCE_HOSTS}. A source matches a platform endpoint when the ports are the same
 * and the hosts are the same name, resolve to a shared address, or are both this host (loopback,
 * the wildcard address or an address of one of its interfaces). A name that does not resolve is
 * compared by name only.
 */
@Component
class ImportSources {
  static final String SETTING = "TASKIFAI_IMPORT_SOURCE_HOSTS";
  private static final int DEFAULT_PORT = 5432;

  private final DatabaseServers servers;
  private final String registryUrl;
  private final Set<String> allowed;

  ImportSources(DatabaseServers servers, ApiSettings settings) {
    this.servers = servers;
    this.registryUrl = settings.dbUrl();
    this.allowed = allowList(settings.admin().importSourceHosts());
  }

  /** A host and port. */
  record Endpoint(String host, int port) {
    @Override
    public String toString() {
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
  }

  /**
   * Refuses (422) a source on the platform's registry database or a registered database server,
   * unless the setting allows its host. The message names host and port only, never the user or
   * password.
   */
  void requireAllowed(URI source) {
    Endpoint endpoint =
        new Endpoint(
            unbracket(source.getHost()).toLowerCase(Locale.ROOT),
            source.getPort() < 0 ? DEFAULT_PORT : source.getPort());
    if (allowed.contains(endpoint.host()) || allowed.contains(endpoint.toString())) {
      return;
    }
    Optional<String> clash = platformEndpoint(endpoint);
    if (clash.isEmpty()) {
      return;
    }
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("source", endpoint.toString());
    extra.put("setting", SETTING);
    throw new ApiException(
        HttpStatus.UNPROCESSABLE_ENTITY,
        "import_source_refused",
        "source_url points at "
            + clash.get()
            + " ("
            + endpoint
            + "): an import may not read the platform's own databases, which hold other"
            + " tenants' data. Give the address of the customer's own database; if this host is"
            + " a separate source on purpose, an operator allows it with "
            + SETTING
            + "="
            + endpoint.host()
            + " (hosts or host:port, comma separated). Nothing was staged.",
        extra);
  }

  /** What platform database {@code source} is, if it is one. */
  private Optional<String> platformEndpoint(Endpoint source) {
    for (Endpoint e : endpoints(registryUrl)) {
      if (same(source, e)) {
        return Optional.of("the platform's registry database");
      }
    }
    for (DatabaseServers.Server server : servers.all()) {
      for (Endpoint e : endpoints(server.jdbcUrl())) {
        if (same(source, e)) {
          return Optional.of("the registered database server '" + server.id() + "'");
        }
      }
    }
    return Optional.empty();
  }

  private static boolean same(Endpoint a, Endpoint b) {
    if (a.port() != b.port()) {
      return false;
    }
    if (a.host().equalsIgnoreCase(b.host())) {
      return true;
    }
    List<InetAddress> left = resolve(a.host());
    List<InetAddress> right = resolve(b.host());
    if (left.isEmpty() || right.isEmpty()) {
      return false;
    }
    if (left.stream().anyMatch(ImportSources::thisHost)
        && right.stream().anyMatch(ImportSources::thisHost)) {
      return true;
    }
    return left.stream().anyMatch(right::contains);
  }

  private static boolean thisHost(InetAddress address) {
    if (address.isLoopbackAddress() || address.isAnyLocalAddress()) {
      return true;
    }
    try {
      return NetworkInterface.getByInetAddress(address) != null;
    } catch (SocketException e) {
      return false;
    }
  }

  private static List<InetAddress> resolve(String host) {
    try {
      return List.of(InetAddress.getAllByName(host));
    } catch (UnknownHostException | SecurityException e) {
      return List.of();
    }
  }

  /** The hosts and ports of a PostgreSQL JDBC URL ({@code host[:port][,host[:port]]...}). */
  static List<Endpoint> endpoints(String jdbcUrl) {
    List<Endpoint> out = new ArrayList<>();
    String prefix = "jdbc:postgresql://";
    if (jdbcUrl == null || !jdbcUrl.startsWith(prefix)) {
      return out;
    }
    String rest = jdbcUrl.substring(prefix.length());
    int end = rest.length();
    for (char c : new char[] {'/', '?'}) {
      int i = rest.indexOf(c);
      if (i >= 0 && i < end) {
        end = i;
      }
    }
    for (String hostPort : rest.substring(0, end).split(",")) {
      if (hostPort.isBlank()) {
        continue;
      }
      String host = hostPort;
      int port = DEFAULT_PORT;
      int colon = hostPort.lastIndexOf(':');
      int bracket = hostPort.lastIndexOf(']');
      if (colon > bracket && colon >= 0) {
        host = hostPort.substring(0, colon);
        try {
          port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
          continue;
        }
      }
      out.add(new Endpoint(unbracket(host).toLowerCase(Locale.ROOT), port));
    }
    return out;
  }

  private static String unbracket(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  private static Set<String> allowList(String setting) {
    if (setting == null || setting.isBlank()) {
      return Set.of();
    }
    return java.util.Arrays.stream(setting.split(","))
        .map(String::strip)
        .filter(s -> !s.isEmpty())
        .map(s -> s.toLowerCase(Locale.ROOT))
        .collect(Collectors.toUnmodifiableSet());
  }
}
