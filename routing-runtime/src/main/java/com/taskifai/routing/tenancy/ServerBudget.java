package com.taskifai.routing.tenancy;

/**
 * The tenant connections this router holds on one database server, and how many it may hold. A
 * server without a connection budget is unlimited here (the router's global cap still applies).
 * With a budget, a new connection is allowed while {@code held < min(target, claim)}: the claim is
 * what this router has recorded in the registry ({@link ConnectionBudgets}), the target its fair
 * share now. The target is lowered before a smaller claim is recorded, and the claim raised only
 * after a larger one is committed, so this router never holds more than the registry says it may.
 */
final class ServerBudget {
  final String serverId;
  private boolean limited;
  private int target;
  private int claim;
  private int held;

  ServerBudget(String serverId) {
    this.serverId = serverId;
  }

  /** Takes a slot if one is free now. */
  synchronized boolean tryTake() {
    if (limited && held >= Math.min(target, claim)) {
      return false;
    }
    held++;
    return true;
  }

  /** Takes a slot, waiting up to {@code millis} for one. */
  synchronized boolean take(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + millis * 1_000_000L;
    while (limited && held >= Math.min(target, claim)) {
      long left = (deadline - System.nanoTime()) / 1_000_000L;
      if (left <= 0) {
        return false;
      }
      wait(left);
    }
    held++;
    return true;
  }

  /** Gives a slot back (its connection closed). */
  synchronized void give() {
    held--;
    notifyAll();
  }

  /**
   * Sets the fair share, before the claim is recorded, and returns the connections held now: from
   * here on this router holds at most {@code max(held, target)}.
   */
  synchronized int limitTo(int target) {
    if (!limited) {
      // Connections opened while the server had no budget are claimed first.
      limited = true;
      claim = held;
    }
    this.target = target;
    return held;
  }

  /** The claim recorded in the registry (committed). */
  synchronized void claimed(int claim) {
    this.claim = claim;
    notifyAll();
  }

  /** The server has no budget (any more). */
  synchronized void unlimit() {
    limited = false;
    notifyAll();
  }

  /** The claim could not be renewed in time: open no new connection until it is. */
  synchronized void fence() {
    if (limited) {
      target = 0;
    }
  }

  synchronized boolean limited() {
    return limited;
  }

  synchronized int held() {
    return held;
  }

  /** The most connections this router may hold on the server now (-1: no budget). */
  synchronized int limit() {
    return limited ? Math.min(target, claim) : -1;
  }

  /** Connections held above the limit now (0 when none). */
  synchronized int excess() {
    return limited ? Math.max(0, held - Math.min(target, claim)) : 0;
  }
}
