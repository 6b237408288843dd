package com.taskifai.workflows.ports;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** The tenant's DNS record, through the configured provider (route53 or local). */
@ActivityInterface
public interface DnsActivities {

  /** UPSERTs {@code <subdomain>.<base domain>}; returns the record as it now stands. */
  @ActivityMethod(name = "configure_dns")
  DnsRecord configureDns(StepInput input);

  /** Undo of configure_dns: deletes the record; deleting a record that is gone is done. */
  @ActivityMethod(name = "undo_configure_dns")
  void deleteDns(StepInput input);
}
