package com.taskifai.api.metrics;

import com.taskifai.registry.BackupClientCheck;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.crypto.CredentialCipher;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * The {@code backups} health detail: whether pg_dump can read every database server. A mismatch
 * keeps the API up (it serves everything else) and says, in the detail, that backups are disabled
 * and what to install. Checked at most once a minute.
 */
@org.springframework.boot.context.properties.EnableConfigurationProperties(
    com.taskifai.registry.settings.PlatformSettings.class)
@Component("backups")
public class BackupHealth implements HealthIndicator {
  private static final long CACHE_MILLIS = 60_000;

  private final DatabaseServers servers;
  private final CredentialCipher cipher;
  private final String pgBin;
  private BackupClientCheck.Result last;
  private long lastAt;

  BackupHealth(
      DatabaseServers servers,
      CredentialCipher cipher,
      com.taskifai.registry.settings.PlatformSettings platform) {
    String pgBin = platform.pgBin();
    this.servers = servers;
    this.cipher = cipher;
    this.pgBin = pgBin;
  }

  /** The check, at most a minute old. */
  public synchronized BackupClientCheck.Result result() {
    long now = System.currentTimeMillis();
    if (last == null || now - lastAt > CACHE_MILLIS) {
      last = BackupClientCheck.check(BackupClientCheck.pgDump(pgBin), servers, cipher);
      lastAt = now;
    }
    return last;
  }

  @Override
  public Health health() {
    BackupClientCheck.Result r = result();
    return Health.up()
        .withDetail("enabled", r.enabled())
        .withDetail("pg_dump_major", r.clientMajor() == null ? "missing" : r.clientMajor())
        .withDetail("server_majors", r.serverMajors())
        .withDetail("detail", r.detail())
        .build();
  }
}
