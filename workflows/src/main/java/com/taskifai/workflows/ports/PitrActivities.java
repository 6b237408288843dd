package com.taskifai.workflows.ports;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.time.Instant;
import java.util.List;

/** Base backups of the database servers' WAL archives, for point-in-time recovery. */
@ActivityInterface
public interface PitrActivities {

  /** The server whose archive gets a base backup. */
  record BaseBackupRequest(String serverId) {}

  /**
   * What a base backup run found: whether it ran ({@code false} when the server has no archive any
   * more), and the earliest moment a restore can now reach (the end of the oldest backup that
   * retention kept).
   */
  record BaseBackupResult(boolean backedUp, Instant earliestRestorable) {}

  /**
   * Takes a full base backup of the server's archive with pgBackRest, then expires what the
   * retention window lets go, and records the earliest restorable moment in the registry. A second
   * call takes another backup, which is harmless (retention prunes it); a server without a recorded
   * archive answers {@code backedUp=false} and changes nothing.
   */
  @ActivityMethod(name = "base_backup")
  BaseBackupResult baseBackup(BaseBackupRequest request);

  /** The servers with a recorded WAL archive, in id order (read-only). */
  @ActivityMethod(name = "archiving_servers")
  List<String> archivingServers();
}
