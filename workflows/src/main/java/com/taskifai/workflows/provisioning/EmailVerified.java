package com.taskifai.workflows.provisioning;

/** Signal payload: the admin opened the verification link. The token itself is not carried. */
public record EmailVerified(String verifiedBy) {}
