package com.taskifai.activities.database;

import java.util.Optional;
import java.util.UUID;

/** Issues the one-time set-password token of a tenant's admin for a mail about to go out. */
public interface SetPasswordLinks {
  /**
   * The token to mail, its hash now in the admin's row (replacing older links); empty when {@code
   * renew} is false and the admin has a password or a working link already.
   */
  Optional<String> issueSetPasswordToken(UUID tenantId, boolean renew);
}
