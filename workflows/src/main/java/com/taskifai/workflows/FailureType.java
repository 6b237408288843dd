package com.taskifai.workflows;

/**
 * Failure types thrown as {@code ApplicationFailure} by activities. Non-retryable ones fail the
 * step for good at once; the workflow then compensates.
 */
public enum FailureType {
  /** The requested subdomain is held by another live tenant. */
  SUBDOMAIN_TAKEN(false),
  /** No database server in the region has room. */
  NO_CAPACITY(false),
  /** The tenant row is missing or in a status the step cannot work from. */
  INVALID_STATE(false),
  /**
   * The tenant is no longer one a move works from (offboarded, being deleted, failed, or without a
   * database of its own): nothing was changed, and a drain skips it instead of failing.
   */
  NOT_MOVABLE(false),
  /** Fault injection asked this step to fail (tests and demos only). */
  INJECTED_FAULT(false),
  /** The admin did not verify the e-mail address in time. */
  VERIFICATION_TIMEOUT(false),
  /** A resource of a provider (a Supabase project) did not become ready before its deadline. */
  NOT_READY(false),
  /** A configuration error: nothing a retry can fix. */
  MISCONFIGURED(false),
  /** A dependency (database, DNS, SMTP) is unavailable for now; retried. */
  UNAVAILABLE(true);

  private final boolean retryable;

  FailureType(boolean retryable) {
    this.retryable = retryable;
  }

  public boolean retryable() {
    return retryable;
  }
}
