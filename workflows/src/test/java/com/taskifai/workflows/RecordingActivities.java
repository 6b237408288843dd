package com.taskifai.workflows;

import com.taskifai.workflows.ports.AuditRecord;
import com.taskifai.workflows.ports.DatabasePlacement;
import com.taskifai.workflows.ports.DnsActivities;
import com.taskifai.workflows.ports.DnsRecord;
import com.taskifai.workflows.ports.FailureRecord;
import com.taskifai.workflows.ports.ReserveTenantInput;
import com.taskifai.workflows.ports.StepInput;
import com.taskifai.workflows.ports.TenantDatabaseActivities;
import com.taskifai.workflows.ports.TenantMailActivities;
import com.taskifai.workflows.ports.TenantRegistryActivities;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * In-memory stand-ins for every activity port: each call is recorded by its activity name (faults
 * come from the {@code FaultInjection} interceptor); an activity named in {@link #down} fails
 * retryably (UNAVAILABLE) on every attempt.
 */
public final class RecordingActivities
    implements TenantRegistryActivities,
        TenantDatabaseActivities,
        DnsActivities,
        TenantMailActivities {

  private final List<String> calls = new ArrayList<>();
  private final List<AuditRecord> audits = new ArrayList<>();
  private final List<FailureRecord> failureRecords = new ArrayList<>();

  /** Activity names that keep failing with a retryable error. */
  public final Set<String> down = ConcurrentHashMap.newKeySet();

  /** Activity names that take this long (real time) before they do their work. */
  public final java.util.Map<String, java.time.Duration> slow = new ConcurrentHashMap<>();

  public synchronized List<String> calls() {
    return List.copyOf(calls);
  }

  /** The calls of undo activities and mark_rollback_failed, in order. */
  public synchronized List<String> rollbackCalls() {
    return calls.stream()
        .filter(c -> c.startsWith("undo_") || c.equals("mark_rollback_failed"))
        .toList();
  }

  public synchronized List<AuditRecord> audits() {
    return List.copyOf(audits);
  }

  public synchronized List<FailureRecord> failureRecords() {
    return List.copyOf(failureRecords);
  }

  private void call(String name) {
    java.time.Duration delay = slow.get(name);
    if (delay != null) {
      try {
        Thread.sleep(delay.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (this) {
      calls.add(name);
    }
    if (down.contains(name)) {
      throw ApplicationFailure.newFailure(name + " is down", FailureType.UNAVAILABLE.name());
    }
  }

  /** The link lifetime the last send_verification_email was given. */
  volatile java.time.Duration verificationLinkLifetime;

  public java.time.Duration verificationLinkLifetime() {
    return verificationLinkLifetime;
  }

  private void call(String name, StepInput input) {
    call(name);
  }

  @Override
  public void reserveTenant(ReserveTenantInput input) {
    call("reserve_tenant");
  }

  @Override
  public void releaseTenant(FailureRecord input) {
    synchronized (this) {
      failureRecords.add(input);
    }
    call("undo_reserve_tenant");
  }

  @Override
  public DatabasePlacement placeDatabase(StepInput input) {
    call("place_database", input);
    return new DatabasePlacement("local", "tenant_" + input.tenantId().toString().replace("-", ""));
  }

  @Override
  public void storeCredentials(StepInput input) {
    call("store_credentials", input);
  }

  @Override
  public void eraseCredentials(StepInput input) {
    call("undo_store_credentials", input);
  }

  @Override
  public void markAwaitingVerification(StepInput input) {
    call("mark_awaiting_verification", input);
  }

  @Override
  public void markVerified(StepInput input) {
    call("mark_verified", input);
  }

  @Override
  public void activateTenant(StepInput input) {
    call("activate_tenant", input);
  }

  @Override
  public void markRollbackFailed(FailureRecord input) {
    synchronized (this) {
      failureRecords.add(input);
    }
    call("mark_rollback_failed");
  }

  @Override
  public void suspendTenant(StepInput input) {
    call("suspend_tenant", input);
  }

  @Override
  public void reactivateTenant(StepInput input) {
    call("reactivate_tenant", input);
  }

  @Override
  public void markDeleting(StepInput input) {
    call("mark_deleting", input);
  }

  @Override
  public void markDeleted(StepInput input) {
    call("mark_deleted", input);
  }

  @Override
  public void recordAudit(AuditRecord input) {
    synchronized (this) {
      audits.add(input);
    }
    call("record_audit");
  }

  @Override
  public void createDatabase(StepInput input) {
    call("create_database", input);
  }

  @Override
  public void dropDatabase(StepInput input) {
    call("undo_create_database", input);
  }

  @Override
  public void migrateSchema(StepInput input) {
    call("migrate_schema", input);
  }

  @Override
  public void seedVendorConfigs(StepInput input) {
    call("seed_vendor_configs", input);
  }

  @Override
  public void applyRls(StepInput input) {
    call("apply_rls", input);
  }

  @Override
  public void createAdminUser(StepInput input) {
    call("create_admin_user", input);
  }

  @Override
  public DnsRecord configureDns(StepInput input) {
    call("configure_dns", input);
    return new DnsRecord(input.subdomain() + ".localhost", "A", "127.0.0.1", 300);
  }

  @Override
  public void deleteDns(StepInput input) {
    call("undo_configure_dns", input);
  }

  @Override
  public void sendVerificationEmail(com.taskifai.workflows.ports.VerificationMailInput input) {
    verificationLinkLifetime = input.linkLifetime();
    call("send_verification_email", input.step());
  }

  @Override
  public void sendWelcomeEmail(StepInput input) {
    call("send_welcome_email", input);
  }

  @Override
  public void sendAdminInvite(StepInput input) {
    call("send_admin_invite", input);
  }
}
