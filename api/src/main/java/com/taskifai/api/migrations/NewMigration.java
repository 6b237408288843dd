package com.taskifai.api.migrations;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The body of {@code POST /admin/migrations}; every field is optional. {@link #problems} names each
 * field that is wrong and says how to fix it.
 */
record NewMigration(
    String targetVersion,
    List<String> canaryTenants,
    Integer canaryCount,
    Integer concurrency,
    Integer perServerConcurrency,
    Double maxFailureRatio) {
  static final int DEFAULT_CANARY_COUNT = 1;
  static final int DEFAULT_CONCURRENCY = 8;
  static final double DEFAULT_MAX_FAILURE_RATIO = 0.1;
  static final int MAX_CONCURRENCY = 64;
  private static final Pattern VERSION = Pattern.compile("^[0-9]+([._][0-9]+)*$");

  Map<String, String> problems() {
    Map<String, String> problems = new LinkedHashMap<>();
    if (targetVersion != null
        && (targetVersion.length() > 50 || !VERSION.matcher(targetVersion).matches())) {
      problems.put("target_version", "must be a Flyway version such as 2 or 2.1");
    }
    if (canaryTenants != null && canaryCount != null) {
      problems.put("canary_tenants", "and canary_count exclude each other; send one");
    }
    if (canaryTenants != null && canaryTenants.size() > 100) {
      problems.put("canary_tenants", "must name at most 100 tenants");
    }
    if (canaryTenants != null && canaryTenants.stream().anyMatch(t -> t == null || t.isBlank())) {
      problems.put("canary_tenants", "must hold tenant ids or subdomains");
    }
    if (canaryCount != null && (canaryCount < 0 || canaryCount > 1000)) {
      problems.put("canary_count", "must be between 0 and 1000");
    }
    if (concurrency != null && (concurrency < 1 || concurrency > MAX_CONCURRENCY)) {
      problems.put("concurrency", "must be between 1 and " + MAX_CONCURRENCY);
    }
    if (perServerConcurrency != null
        && (perServerConcurrency < 1 || perServerConcurrency > MAX_CONCURRENCY)) {
      problems.put("per_server_concurrency", "must be between 1 and " + MAX_CONCURRENCY);
    }
    if (maxFailureRatio != null
        && (maxFailureRatio.isNaN() || maxFailureRatio < 0 || maxFailureRatio > 1)) {
      problems.put("max_failure_ratio", "must be between 0 and 1");
    }
    return problems;
  }

  int canaryCountOrDefault() {
    return canaryTenants != null ? 0 : canaryCount == null ? DEFAULT_CANARY_COUNT : canaryCount;
  }

  int concurrencyOrDefault() {
    return concurrency == null ? DEFAULT_CONCURRENCY : concurrency;
  }

  /** Per server: as asked, else the total (one server), never above the total. */
  int perServerOrDefault() {
    int total = concurrencyOrDefault();
    return perServerConcurrency == null ? total : Math.min(perServerConcurrency, total);
  }

  double maxFailureRatioOrDefault() {
    return maxFailureRatio == null ? DEFAULT_MAX_FAILURE_RATIO : maxFailureRatio;
  }
}
