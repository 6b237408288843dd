package com.taskifai.api.testing;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.UUID;

/** Test double: the few registry writes the double workflows need (real PostgreSQL). */
@ActivityInterface
public interface RegistryDoubleActivities {
  @ActivityMethod(name = "double_reserve")
  void reserve(UUID tenantId, String subdomain, String companyName, String email, String region);

  @ActivityMethod(name = "double_set_status")
  void setStatus(UUID tenantId, String status);

  @ActivityMethod(name = "double_audit")
  void audit(UUID tenantId, String step, String outcome);
}
