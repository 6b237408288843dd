package com.taskifai.workflows.ports;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** Mail to the tenant's admin. The links carry tokens that never pass through Temporal. */
@ActivityInterface
public interface TenantMailActivities {

  /**
   * Sends the verification mail with a signed, expiring {@code <admin URL>/verify-email?token=}
   * link.
   */
  @ActivityMethod(name = "send_verification_email")
  void sendVerificationEmail(VerificationMailInput input);

  /**
   * Sends the welcome mail with the set-password link of the tenant's own subdomain; the link is
   * issued here, so its lifetime starts when the mail goes out.
   */
  @ActivityMethod(name = "send_welcome_email")
  void sendWelcomeEmail(StepInput input);

  /**
   * Mails the admin of an active tenant a new set-password link; every earlier link stops working.
   */
  @ActivityMethod(name = "send_admin_invite")
  void sendAdminInvite(StepInput input);
}
