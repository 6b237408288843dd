package com.taskifai.workflows;

import java.util.Arrays;
import java.util.Optional;

/**
 * The provisioning steps, in order. {@link #stepName()} is a public contract: it names the step in
 * the API, the audit log and (as the activity type) in Temporal UI.
 */
public enum Step implements StepName {
  RESERVE_TENANT,
  PLACE_DATABASE,
  CREATE_DATABASE,
  STORE_CREDENTIALS,
  CONFIGURE_DNS,
  MIGRATE_SCHEMA,
  SEED_VENDOR_CONFIGS,
  APPLY_RLS,
  CREATE_ADMIN_USER,
  SEND_VERIFICATION_EMAIL,
  AWAIT_VERIFICATION,
  ACTIVATE_TENANT,
  SEND_WELCOME_EMAIL;

  /** The step's public name, such as {@code create_database}. */
  @Override
  public String stepName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Every step's public name, in order. */
  public static java.util.List<String> names() {
    return Arrays.stream(values()).map(Step::stepName).toList();
  }

  /** The step with this public name, if any. */
  public static Optional<Step> byName(String stepName) {
    return Arrays.stream(values()).filter(s -> s.stepName().equals(stepName)).findFirst();
  }
}
