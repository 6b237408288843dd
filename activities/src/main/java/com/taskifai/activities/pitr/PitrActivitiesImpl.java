package com.taskifai.activities.pitr;

import com.taskifai.activities.StepFailure;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.ServerArchives;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.embedded.WalArchive;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.ports.PitrActivities;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * Base backups with pgBackRest of the archives recorded in {@code server_archives}: the worker runs
 * {@code pgbackrest backup} with the archive's configuration file, so it must run where that file
 * and the server's data folder are (the dev platform's machine).
 */
public final class PitrActivitiesImpl implements PitrActivities {
  private final ServerArchives archives;
  private final DatabaseServers servers;
  private final CredentialCipher cipher;
  private final Supplier<Optional<Path>> tool;
  private final Clock clock;

  public PitrActivitiesImpl(
      DataSource platform, CredentialCipher cipher, Supplier<Optional<Path>> tool, Clock clock) {
    this.archives = new ServerArchives(platform);
    this.servers = new DatabaseServers(platform);
    this.cipher = cipher;
    this.tool = tool;
    this.clock = clock;
  }

  @Override
  public BaseBackupResult baseBackup(BaseBackupRequest request) {
    String serverId = request.serverId();
    Optional<ServerArchives.Archive> archive = archives.find(serverId);
    if (archive.isEmpty()) {
      return new BaseBackupResult(false, null);
    }
    Path pgbackrest =
        tool.get()
            .orElseThrow(
                () ->
                    StepFailure.of(
                        FailureType.MISCONFIGURED,
                        "pgbackrest is not installed on this worker (apt-get install pgbackrest)"));
    DatabaseServers.Server server =
        servers.find(serverId).orElseThrow(() -> StepFailure.serverMissing(serverId));
    WalArchive wal = WalArchive.existing(pgbackrest, Path.of(archive.get().configFile()));
    try {
      wal.backup("full", server.adminPassword(cipher));
      Instant earliest = wal.earliestRestorable().orElse(null);
      archives.backedUp(serverId, clock.instant(), earliest);
      return new BaseBackupResult(true, earliest);
    } catch (IOException e) {
      // pgbackrest's own last line: paths and the stanza, never the passphrase or the password.
      archives.backupFailed(serverId, e.getMessage());
      throw StepFailure.of(
          FailureType.UNAVAILABLE, "base backup of " + serverId + " failed: " + e.getMessage());
    }
  }

  @Override
  public List<String> archivingServers() {
    return archives.all().stream().map(ServerArchives.Archive::serverId).toList();
  }
}
