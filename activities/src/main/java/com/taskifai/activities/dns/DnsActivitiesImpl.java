package com.taskifai.activities.dns;

import com.taskifai.activities.ActivitiesConfig;
import com.taskifai.workflows.ports.DnsActivities;
import com.taskifai.workflows.ports.DnsRecord;
import com.taskifai.workflows.ports.StepInput;

/** configure_dns and its undo, through the configured {@link DnsProvider}. */
public final class DnsActivitiesImpl implements DnsActivities {
  private final DnsProvider provider;
  private final ActivitiesConfig config;

  public DnsActivitiesImpl(DnsProvider provider, ActivitiesConfig config) {
    this.provider = provider;
    this.config = config;
  }

  /** UPSERTs the tenant's host name; a second call finds the same record. */
  @Override
  public DnsRecord configureDns(StepInput input) {
    return provider.upsert(input.tenantId(), config.tenantHost(input.subdomain()));
  }

  /** Deletes the tenant's host name; a name without a record is done. */
  @Override
  public void deleteDns(StepInput input) {
    provider.delete(input.tenantId(), config.tenantHost(input.subdomain()));
  }
}
