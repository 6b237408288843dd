package com.taskifai.activities.database;

/**
 * The logical replication of online moves and promotions, by job: the publication and subscription
 * from start to stop ({@link ReplicationLifecycle}), where it stands and the waits on it ({@link
 * ReplicationProgress}), the sequences ({@link ReplicaSequences}), the check before the swap
 * ({@link ReplicaVerification}) and what a move left behind ({@link ReplicationLeftovers}). One per
 * process, injected into the move and trial activities and the reconciler's inventory.
 */
public record OnlineReplication(
    ReplicationLifecycle lifecycle,
    ReplicationProgress progress,
    ReplicaSequences sequences,
    ReplicaVerification verification,
    ReplicationLeftovers leftovers) {

  /** The collaborators, each stateless. */
  public static OnlineReplication create() {
    return new OnlineReplication(
        new ReplicationLifecycle(),
        new ReplicationProgress(),
        new ReplicaSequences(),
        new ReplicaVerification(),
        new ReplicationLeftovers());
  }
}
