package com.taskifai.activities.database.supabase;

import com.taskifai.activities.CurrentActivity;
import com.taskifai.activities.StepFailure;
import com.taskifai.registry.providers.TenantProviders;
import com.taskifai.workflows.FailureType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Supabase's own point-in-time recovery of a tenant's project, for restore_to_time. */
final class SupabaseRestores {
  private static final Logger log = LoggerFactory.getLogger(SupabaseRestores.class);

  private final SupabaseManagementApi api;
  private final TenantProviders providers;
  private final Duration pollInterval;
  private final Clock clock;

  SupabaseRestores(
      SupabaseManagementApi api, TenantProviders providers, Duration pollInterval, Clock clock) {
    this.api = api;
    this.providers = providers;
    this.pollInterval = pollInterval;
    this.clock = clock;
  }

  /** How long a Supabase point-in-time restore may leave the project RESTORING. */
  static final Duration RESTORE_LIMIT = Duration.ofHours(5);

  /**
   * Restores the tenant's project's database in place to {@code at} through Supabase's own
   * point-in-time recovery and waits (heartbeating) until the project is ACTIVE_HEALTHY again.
   * Refused (non-retryably) when the project has no point-in-time recovery or {@code at} is outside
   * its range. A project found RESTORING is an earlier attempt's restore: it is waited for, not
   * sent again. A restore whose answer was lost is looked for (the project RESTORING) and, when
   * Supabase shows none, fails retryably.
   */
  public void restoreToTime(UUID tenantId, Instant at) {
    String ref =
        providers
            .find(tenantId)
            .map(TenantProviders.ProviderInfo::projectRef)
            .orElseThrow(
                () ->
                    StepFailure.of(
                        FailureType.INVALID_STATE,
                        "tenant " + tenantId + " has no Supabase project to restore"));
    SupabaseManagementApi.Project now = ProjectPolls.existing(api, ref, tenantId);
    if (!"RESTORING".equals(now.status())) {
      SupabaseManagementApi.PitrRange range = api.pitrRange(ref);
      if (!range.enabled()) {
        throw StepFailure.of(
            FailureType.MISCONFIGURED,
            "Supabase project "
                + ref
                + " of tenant "
                + tenantId
                + " has no point-in-time recovery: enable Supabase's PITR add-on for it (project"
                + " settings, Add-ons), or restore a daily backup in Supabase's dashboard");
      }
      // Supabase restores to a whole second (recovery_time_target_unix), and its range is in
      // whole seconds: a moment within the range's last second is inside it.
      Instant second = at.truncatedTo(ChronoUnit.SECONDS);
      if (range.earliest() != null
          && range.latest() != null
          && (second.isBefore(range.earliest()) || second.isAfter(range.latest()))) {
        throw StepFailure.of(
            FailureType.INVALID_STATE,
            "Supabase can restore project "
                + ref
                + " to a moment from "
                + range.earliest()
                + " to "
                + range.latest()
                + ", not "
                + at);
      }
      try {
        api.restorePitr(ref, at);
      } catch (SupabaseManagementApi.AnswerLost e) {
        boolean started = api.project(ref).map(p -> "RESTORING".equals(p.status())).orElse(false);
        if (!started) {
          throw StepFailure.of(
              FailureType.UNAVAILABLE,
              "Supabase answered no point-in-time restore of project "
                  + ref
                  + " and does not show it RESTORING; the step's retry looks again");
        }
      }
      log.info("tenant {}: Supabase restores project {} to {}", tenantId, ref, at);
    }
    awaitRestored(tenantId, ref);
  }

  private void awaitRestored(UUID tenantId, String ref) {
    Duration pause = pollInterval;
    Instant deadline = clock.instant().plus(RESTORE_LIMIT);
    while (true) {
      CurrentActivity.checkpoint("supabase: restoring project " + ref);
      SupabaseManagementApi.Project p = ProjectPolls.existing(api, ref, tenantId);
      if ("ACTIVE_HEALTHY".equals(p.status())) {
        log.info("tenant {}: Supabase project {} restored and healthy", tenantId, ref);
        return;
      }
      if (!ProjectPolls.COMING.contains(p.status())) {
        throw StepFailure.of(
            FailureType.NOT_READY,
            "Supabase project " + ref + " is " + p.status() + " after its point-in-time restore");
      }
      if (!clock.instant().isBefore(deadline)) {
        throw StepFailure.of(
            FailureType.NOT_READY,
            "Supabase project " + ref + " is still " + p.status() + " after " + RESTORE_LIMIT);
      }
      SupabaseManagementApi.sleep(pause);
      pause = ProjectPolls.longer(pause);
    }
  }
}
