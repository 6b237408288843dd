package com.taskifai.activities.database.supabase;

import com.taskifai.activities.StepFailure;
import com.taskifai.workflows.FailureType;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;

/** What the waits for a Supabase project share: its statuses on the way up, the back-off. */
final class ProjectPolls {
  /** Statuses from which a project still comes up; any other but ACTIVE_HEALTHY fails the step. */
  static final Set<String> COMING =
      Set.of(
          "COMING_UP",
          "UNKNOWN",
          "ACTIVE_UNHEALTHY",
          "RESTARTING",
          "RESIZING",
          "UPGRADING",
          "RESTORING");

  private static final Duration LONGEST_PAUSE = Duration.ofSeconds(30);

  private ProjectPolls() {}

  /** The tenant's project as Supabase shows it now; INVALID_STATE when it is gone. */
  static SupabaseManagementApi.Project existing(
      SupabaseManagementApi api, String ref, UUID tenantId) {
    return api.project(ref)
        .orElseThrow(
            () ->
                StepFailure.of(
                    FailureType.INVALID_STATE,
                    "Supabase project " + ref + " of tenant " + tenantId + " is gone"));
  }

  /** The next pause of a poll: twice the last, at most 30 s. */
  static Duration longer(Duration pause) {
    Duration twice = pause.multipliedBy(2);
    return twice.compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : twice;
  }
}
