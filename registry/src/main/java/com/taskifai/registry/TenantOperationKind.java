package com.taskifai.registry;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every operation that changes what or where a tenant's data is, with the two tables the protocol
 * rests on: which operations may overlap on one tenant ({@link #mayOverlap}) and which kinds of
 * tenant each works for ({@link #refusalFor}). docs/operations.md shows both tables; a test keeps
 * it equal to this enum.
 *
 * <p>Each operation holds the tenant through {@link TenantOperations#claim} under its {@link
 * #name()}, which is the {@code tenants.operation} value the API and the routers show. The claim is
 * one column, so no two of these operations overlap on one tenant: each copies, swaps, changes the
 * schema of, or writes a secret into the tenant's database, and any of them beside another could
 * lose the other's change (a migration's DDL after a move's snapshot, an invite's token in a copy a
 * promotion retires, a rotated URL over a swap's new one). Operations on different tenants always
 * overlap.
 */
public enum TenantOperationKind {
  /** A backup (manual, scheduled or the final one of an offboarding). */
  BACKING_UP,
  /** A restore, in place (replace) or into a new database (copy). */
  RESTORING,
  /** A move to another server, alone or as one of a drain's moves. */
  MOVING,
  /** A trial's promotion to a database of its own. */
  PROMOTING,
  /** A fleet schema rollout migrating this tenant's database. */
  MIGRATING,
  /** A schema extension being enabled for this tenant. */
  ENABLING_EXTENSION,
  /** Offboarding, from the moment the tenant is marked DELETING; never released before DELETED. */
  OFFBOARDING,
  /** A new set-password link for the tenant's admin (writes a token into its database). */
  INVITING_ADMIN,
  /** {@code taskifai rotate-keys} re-encrypting this tenant's secrets. */
  ROTATING_KEYS;

  /** Why an operation does not run for a kind of tenant: the HTTP status and what to do instead. */
  public record Refusal(int status, String message) {}

  /** Pairs that may run on one tenant at once; none may (see the class comment). */
  private static final Set<Set<TenantOperationKind>> OVERLAPPING = Set.of();

  private static final String PROMOTE_FIRST =
      "is a trial in the shared trial database: promote it first";

  private static final Map<TenantOperationKind, Map<TenantKind, Refusal>> REFUSED =
      new EnumMap<>(TenantOperationKind.class);

  static {
    refuse(BACKING_UP, TenantKind.TRIAL, 409, PROMOTE_FIRST);
    refuse(RESTORING, TenantKind.TRIAL, 409, PROMOTE_FIRST);
    refuse(
        MOVING,
        TenantKind.TRIAL,
        422,
        "is a trial: its rows live in its server's shared trial database, which no move may copy,"
            + " drop or fence; promote the trial first (it then gets a database of its own on an"
            + " OPEN server) or offboard it");
    refuse(
        MOVING,
        TenantKind.SUPABASE,
        422,
        "lives in a Supabase project of its own, not on one of our servers: it is not moved;"
            + " change the project in Supabase instead");
    refuse(PROMOTING, TenantKind.DEDICATED, 409, "has a database of its own already");
    refuse(
        PROMOTING, TenantKind.SUPABASE, 409, "has a database of its own already (a Supabase one)");
    refuse(
        MIGRATING,
        TenantKind.TRIAL,
        422,
        "is a trial: a rollout upgrades its server's shared trial database, not the tenant");
    refuse(
        ENABLING_EXTENSION,
        TenantKind.TRIAL,
        422,
        "is a trial, whose schema every trial on its server shares: promote the trial first,"
            + " then enable the extension");
  }

  private static void refuse(
      TenantOperationKind op, TenantKind kind, int status, String whatToDoInstead) {
    REFUSED
        .computeIfAbsent(op, k -> new EnumMap<>(TenantKind.class))
        .put(kind, new Refusal(status, whatToDoInstead));
  }

  /** Whether this operation and {@code other} may hold one tenant at the same time. */
  public boolean mayOverlap(TenantOperationKind other) {
    return OVERLAPPING.contains(EnumSet.of(this, other));
  }

  /**
   * Why this operation is refused for a tenant of {@code kind}, before anything changes; empty when
   * it works for that kind. The message follows "tenant &lt;id&gt; ".
   */
  public Optional<Refusal> refusalFor(TenantKind kind) {
    return Optional.ofNullable(REFUSED.getOrDefault(this, Map.of()).get(kind));
  }

  /**
   * The operation named {@code value} ({@code tenants.operation}).
   *
   * @throws IllegalArgumentException for a name not in this table
   */
  public static TenantOperationKind parse(String value) {
    for (TenantOperationKind k : values()) {
      if (k.name().equals(value)) {
        return k;
      }
    }
    throw new IllegalArgumentException(
        "'" + value + "' is no tenant operation; add it to TenantOperationKind first");
  }
}
