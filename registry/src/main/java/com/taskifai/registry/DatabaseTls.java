package com.taskifai.registry;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A database server's TLS settings, which are its JDBC URL's {@code sslmode} and {@code
 * sslrootcert} parameters: the JDBC connections (router pools, the activities' admin connections,
 * the platform database) take them from the URL, and {@link #clientEnvironment} hands the same two
 * to {@code pg_dump} and {@code pg_restore} as {@code PGSSLMODE} and {@code PGSSLROOTCERT}, so no
 * connection to a server is weaker than its URL says. Without the parameters both drivers {@code
 * prefer} TLS and check no certificate, which production accepts only on a private network.
 */
public final class DatabaseTls {
  /** The mode production needs for a server that is not on this host or a private network. */
  public static final String VERIFY_FULL = "verify-full";

  private static final Pattern URL =
      Pattern.compile(
          "^jdbc:postgresql://([^/:?]+|\\[[^]]+\\])(?::\\d+)?(?:,[^/?]*)?(?:/[^?]*)?(?:\\?(.*))?$");

  private DatabaseTls() {}

  /**
   * The TLS mode of a JDBC URL as the PostgreSQL JDBC driver reads it: {@code sslmode}, else {@code
   * verify-full} when {@code ssl=true} (the driver's meaning of it), else {@code prefer}.
   */
  public static String mode(String jdbcUrl) {
    Map<String, String> params = parameters(jdbcUrl);
    String mode = params.get("sslmode");
    if (mode != null && !mode.isBlank()) {
      return mode.strip().toLowerCase(Locale.ROOT);
    }
    String ssl = params.get("ssl");
    if (ssl != null && (ssl.isBlank() || ssl.strip().equalsIgnoreCase("true"))) {
      return VERIFY_FULL;
    }
    return "prefer";
  }

  /**
   * The environment that gives a libpq client program ({@code pg_dump}, {@code pg_restore}) the
   * URL's TLS settings: {@code PGSSLMODE} always, {@code PGSSLROOTCERT} when the URL names a root
   * certificate.
   */
  public static Map<String, String> clientEnvironment(String jdbcUrl) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PGSSLMODE", mode(jdbcUrl));
    String root = parameters(jdbcUrl).get("sslrootcert");
    if (root != null && !root.isBlank()) {
      env.put("PGSSLROOTCERT", root.strip());
    }
    return env;
  }

  /**
   * Why production refuses a server URL, or empty: a server that is not on this host must be
   * reached with {@code sslmode=verify-full}, unless it is marked as on a private network.
   */
  public static Optional<String> productionProblem(String jdbcUrl, boolean privateNetwork) {
    if (privateNetwork || jdbcUrl == null || isLoopback(host(jdbcUrl))) {
      return Optional.empty();
    }
    String mode = mode(jdbcUrl);
    if (VERIFY_FULL.equals(mode)) {
      return Optional.empty();
    }
    return Optional.of(
        "connects with sslmode="
            + mode
            + ", which production refuses for a server on another host: add"
            + " sslmode=verify-full&sslrootcert=<path of the CA certificate> to the URL, or mark"
            + " the server as on a private network on purpose");
  }

  /** The first host of a JDBC URL (brackets of an IPv6 address removed); null if not one. */
  static String host(String jdbcUrl) {
    Matcher m = URL.matcher(jdbcUrl);
    if (!m.matches()) {
      return null;
    }
    String host = m.group(1);
    return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
  }

  static boolean isLoopback(String host) {
    if (host == null) {
      return false;
    }
    String h = host.toLowerCase(Locale.ROOT);
    return h.equals("localhost") || h.startsWith("127.") || h.equals("::1");
  }

  /** The query parameters of a JDBC URL, decoded; later ones win. */
  static Map<String, String> parameters(String jdbcUrl) {
    Map<String, String> params = new LinkedHashMap<>();
    int q = jdbcUrl == null ? -1 : jdbcUrl.indexOf('?');
    if (q < 0) {
      return params;
    }
    for (String pair : jdbcUrl.substring(q + 1).split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      params.put(
          URLDecoder.decode(key, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT),
          URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return params;
  }
}
