package com.taskifai.activities.database;

import com.taskifai.activities.StagedSecrets;
import com.taskifai.registry.Tenant;
import com.taskifai.tenantschema.SetPasswordTokens;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.tenantschema.TrialSchema;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The set-password links of a tenant's admin: the token staged in {@link StagedSecrets} and its
 * hash in the admin row of the tenant's database (or, for a trial, of the shared trial database).
 */
public final class TenantAdminLinks implements SetPasswordLinks {
  private final ServerAccess access;
  private final StagedSecrets secrets;
  private final Duration lifetime;
  private final Clock clock;

  /**
   * @param lifetime how long a link works from its issue
   */
  public TenantAdminLinks(
      ServerAccess access, StagedSecrets secrets, Duration lifetime, Clock clock) {
    this.access = access;
    this.secrets = secrets;
    this.lifetime = lifetime;
    this.clock = clock;
  }

  /**
   * Gives the tenant's admin a one-time set-password token for a mail about to go out: staged
   * (encrypted) before the admin row holds its hash, and reused while staged, so a retried welcome
   * mail carries the link the row matches. Without {@code renew}, an admin who has a password or a
   * link that still works gets none (the welcome mail went out already); with it, a new token
   * always replaces every earlier link, a staged one included.
   *
   * @return the token to mail, or empty when there is nothing to send
   */
  @Override
  public Optional<String> issueSetPasswordToken(UUID tenantId, boolean renew) {
    Tenant tenant =
        access.placedTenant(tenantId, "has no database placement: run place_database first");
    TenantDatabaseNames names = TenantDatabaseNames.of(tenantId);
    if (tenant.isTrial()) {
      // A trial's admin row lives in the shared trial database, seen as that trial.
      names =
          new TenantDatabaseNames(
              TrialSchema.OWNER_ROLE, TrialSchema.APP_ROLE, TrialSchema.DATABASE);
    }
    UUID trialTenant = tenant.isTrial() ? tenantId : null;
    ServerAdmin admin = access.admin(tenant);
    DataSource ds = admin.database(names.database());
    Instant now = clock.instant();
    try {
      Optional<String> staged = secrets.get(tenantId, StagedSecrets.SET_PASSWORD_TOKEN);
      String token;
      if (staged.isPresent() && !renew) {
        token = staged.get();
      } else {
        if (!renew) {
          Optional<TenantSchema.AdminInvite> state =
              TenantSchema.adminInvite(ds, names.ownerRole(), tenant.adminEmail(), trialTenant);
          if (state.isPresent() && (state.get().passwordSet() || state.get().linkLive(now))) {
            return Optional.empty();
          }
        }
        token = SetPasswordTokens.newToken();
        secrets.put(tenantId, StagedSecrets.SET_PASSWORD_TOKEN, token);
      }
      TenantSchema.issueAdminSetPasswordToken(
          ds,
          names.ownerRole(),
          tenant.adminEmail(),
          SetPasswordTokens.hash(token),
          now.plus(lifetime),
          trialTenant);
      return Optional.of(token);
    } catch (RuntimeException e) {
      throw DatabaseFailures.unwrapped(
          e, cause -> DatabaseFailures.of("issue_set_password_token", tenantId, cause));
    } finally {
      if (trialTenant == null) {
        // The shared trial database's admin pool serves every trial; it stays.
        admin.release(names.database());
      }
    }
  }
}
