package com.taskifai.workflows.provisioning;

import com.taskifai.workflows.Step;
import java.util.List;

/** The step lists of the provisioning saga: a dedicated tenant's and a pooled trial's. */
final class ProvisioningSteps {

  /** Places a trial on its server's shared trial database (activity type and step name). */
  static final String PLACE_TRIAL = "place_trial";

  /** Registers a trial's rows in the shared trial database (activity type and step name). */
  static final String REGISTER_TRIAL_TENANT = "register_trial_tenant";

  /** The steps of a pooled trial: no database, role or DNS record of its own. */
  static final List<String> TRIAL =
      List.of(
          Step.RESERVE_TENANT.stepName(),
          Step.PLACE_DATABASE.stepName(),
          PLACE_TRIAL,
          REGISTER_TRIAL_TENANT,
          Step.SEND_VERIFICATION_EMAIL.stepName(),
          Step.AWAIT_VERIFICATION.stepName(),
          Step.ACTIVATE_TENANT.stepName(),
          Step.SEND_WELCOME_EMAIL.stepName());

  private ProvisioningSteps() {}

  /** The steps this request runs, in order. */
  static List<String> of(ProvisionTenantRequest request) {
    return request.trial() ? TRIAL : Step.names();
  }

  /** The name of a step's undo, such as {@code undo_create_database}. */
  static String undo(String step) {
    return "undo_" + step;
  }
}
