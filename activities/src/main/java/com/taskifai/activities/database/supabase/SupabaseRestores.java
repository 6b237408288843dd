package com.taskifai.activities.database.supabase;

import com.taskifai.activities.CurrentActivity;
import com.taskifai.activities.StepFailure;
import com.taskifai.registry.ProviderRestoreRequests;
import com.taskifai.registry.providers.TenantProviders;
import com.taskifai.workflows.FailureType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
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
   * Poll intervals ({@code TASKIFAI_SUPABASE_POLL_INTERVAL}) within which a requested restore must
   * show the project RESTORING: 2 minutes at the default 5 s.
   */
  static final int RESTORE_SHOWS_WITHIN_POLLS = 24;

  /**
   * Restores the tenant's project's database in place to {@code at} through Supabase's own
   * point-in-time recovery and waits (heartbeating) until the project is ACTIVE_HEALTHY again.
   * Refused (non-retryably) when the project has no point-in-time recovery or {@code at} is outside
   * its range. The request is recorded ({@code requests}, under {@code operationId}) before it is
   * sent, and no attempt of the same operation sends it again: a project found RESTORING is waited
   * for; an earlier attempt's recorded request (its worker died after sending, or the answer was
   * lost) is waited for until Supabase shows it RESTORING, for {@link #RESTORE_SHOWS_WITHIN_POLLS}
   * poll intervals, and when it does not show, the step fails non-retryably saying so (the restore
   * either finished unwatched or never arrived; a second request would undo the writes since).
   */
  public void restoreToTime(
      UUID tenantId, Instant at, String operationId, ProviderRestoreRequests requests) {
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
    if ("RESTORING".equals(now.status())) {
      awaitRestored(tenantId, ref);
      return;
    }
    Optional<ProviderRestoreRequests.Request> earlier = requests.find(operationId);
    if (earlier.isPresent()) {
      // An earlier attempt recorded the request and may have sent it (its worker died, or the
      // answer was lost): never send it again. Supabase shows a restore it accepted as RESTORING;
      // wait for that restore to show up, then for the project to be healthy.
      if (!awaitRestoring(ref)) {
        throw StepFailure.of(
            FailureType.INVALID_STATE,
            "a point-in-time restore of Supabase project "
                + ref
                + " to "
                + Instant.ofEpochSecond(earlier.get().targetUnix())
                + " was requested at "
                + earlier.get().requestedAt()
                + " by an earlier attempt of this restore, and Supabase shows none running: it"
                + " either finished while no worker watched or never arrived. It is not sent a"
                + " second time (that would undo the writes since); check the project's data and"
                + " start a new restore to a time if it was not restored");
      }
      awaitRestored(tenantId, ref);
      return;
    }
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
    // Recorded before it is sent: from here on, no attempt of this restore sends it again.
    requests.record(tenantId, operationId, ref, at.getEpochSecond());
    boolean accepted;
    try {
      api.restorePitr(ref, at);
      accepted = true;
    } catch (SupabaseManagementApi.AnswerLost e) {
      accepted = false;
    }
    log.info(
        "tenant {}: Supabase restores project {} to {}{}",
        tenantId,
        ref,
        at,
        accepted ? "" : " (its answer was lost)");
    if (!awaitRestoring(ref) && !accepted) {
      throw StepFailure.of(
          FailureType.UNAVAILABLE,
          "Supabase answered no point-in-time restore of project "
              + ref
              + " and does not show it RESTORING; the step's retry waits for it without sending"
              + " it again");
    }
    awaitRestored(tenantId, ref);
  }

  /**
   * Polls (heartbeating) until the project shows RESTORING, for at most {@link
   * #RESTORE_SHOWS_WITHIN_POLLS} poll intervals; false when it did not.
   */
  private boolean awaitRestoring(String ref) {
    for (int i = 0; i < RESTORE_SHOWS_WITHIN_POLLS; i++) {
      CurrentActivity.checkpoint("supabase: waiting for project " + ref + " to show RESTORING");
      Optional<SupabaseManagementApi.Project> p = api.project(ref);
      if (p.isPresent() && "RESTORING".equals(p.get().status())) {
        return true;
      }
      SupabaseManagementApi.sleep(pollInterval);
    }
    return false;
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
