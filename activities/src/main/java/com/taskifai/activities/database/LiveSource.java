package com.taskifai.activities.database;

import com.taskifai.workflows.ports.ImportActivities.ReportItem;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A live source database given as {@code postgresql://user:password@host:port/database}: where it
 * is and who to log in as. The password stays in this object and the client program's environment
 * ({@code PGPASSWORD}); {@link #toString} leaves it out.
 */
record LiveSource(
    String jdbcUrl, String user, String password, String database, List<ReportItem> report) {

  static LiveSource parse(String url) {
    URI uri;
    try {
      uri = new URI(url == null ? "" : url.strip());
    } catch (URISyntaxException e) {
      return refused("not a URL; send postgresql://user:password@host:5432/database");
    }
    if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme())) {
      return refused("must start with postgresql://");
    }
    if (uri.getHost() == null || uri.getRawPath() == null || uri.getRawPath().length() < 2) {
      return refused("needs a host and a database: postgresql://user:password@host:5432/database");
    }
    String database = URLDecoder.decode(uri.getRawPath().substring(1), StandardCharsets.UTF_8);
    String user = null;
    String password = null;
    if (uri.getRawUserInfo() != null) {
      String[] parts = uri.getRawUserInfo().split(":", 2);
      user = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
      password = parts.length > 1 ? URLDecoder.decode(parts[1], StandardCharsets.UTF_8) : null;
    }
    if (user == null || user.isEmpty()) {
      return refused("needs a user: postgresql://user:password@host:5432/database");
    }
    int port = uri.getPort() < 0 ? 5432 : uri.getPort();
    String host = uri.getHost().contains(":") ? "[" + uri.getHost() + "]" : uri.getHost();
    String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
    return new LiveSource(
        "jdbc:postgresql://" + host + ":" + port + "/" + database + query,
        user,
        password,
        database,
        List.of());
  }

  private static LiveSource refused(String reason) {
    return new LiveSource(
        null, null, null, null, List.of(new ReportItem("source_url", null, null, reason)));
  }

  @Override
  public String toString() {
    return "LiveSource[" + jdbcUrl + " as " + user + "]";
  }
}
