package com.taskifai.routing.tenancy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.routing.RoutingSettings;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.stereotype.Component;

/**
 * Which tenant a subdomain routes to: the registry through a Caffeine cache. Entries live for the
 * configured TTL (unknown subdomains only briefly) and are dropped at once when the registry
 * announces a change ({@link TenantChangeListener}).
 *
 * <p>A load that started before a change notification must not put the old row back for a whole
 * TTL, so every entry remembers the change sequence number at which its load started and is
 * reloaded when its tenant (or, for unknown subdomains, any tenant) changed since.
 *
 * <p>While the registry (the platform database) is unreachable, cached tenants are still served; a
 * lookup that needs the registry fails with a {@link DataAccessException} (503), and for a moment
 * after such a failure further lookups fail at once instead of each waiting for a connection.
 */
@Component
public class TenantDirectory {
  private record Entry(UUID tenantId, Tenant serving, boolean writesHeld, long loadedAt) {}

  private final TenantRegistry registry;
  private final TenantOperations operations;
  private final Cache<String, Entry> cache;
  private final AtomicLong sequence = new AtomicLong();
  private final ConcurrentHashMap<UUID, Long> changedAt = new ConcurrentHashMap<>();
  private volatile long clearedAt;
  private final List<Consumer<UUID>> changeListeners = new CopyOnWriteArrayList<>();

  /** After a failed registry lookup, lookups fail at once until this time (System.nanoTime). */
  private volatile long registryRetryAt;

  private volatile boolean registryDown;
  static final long REGISTRY_BACKOFF_NANOS = 1_000_000_000L;

  public TenantDirectory(
      TenantRegistry registry, TenantOperations operations, RoutingSettings settings) {
    this.registry = registry;
    this.operations = operations;
    long knownNanos = settings.cacheTtl.toNanos();
    long unknownNanos = settings.unknownTenantTtl.toNanos();
    this.cache =
        Caffeine.newBuilder()
            .maximumSize(200_000)
            .expireAfter(
                new Expiry<String, Entry>() {
                  @Override
                  public long expireAfterCreate(String key, Entry e, long now) {
                    return e.tenantId() == null ? unknownNanos : knownNanos;
                  }

                  @Override
                  public long expireAfterUpdate(String key, Entry e, long now, long current) {
                    return expireAfterCreate(key, e, now);
                  }

                  @Override
                  public long expireAfterRead(String key, Entry e, long now, long current) {
                    return current;
                  }
                })
            .build();
  }

  /** The tenant at this subdomain when it may be served now (ACTIVE, with credentials). */
  public Optional<Tenant> find(String subdomain) {
    return Optional.ofNullable(entry(subdomain).serving());
  }

  /**
   * True while an operation holds the writes of the tenant at this subdomain (the swap window of a
   * restore): writes then answer 503 with Retry-After.
   */
  public boolean writesHeld(String subdomain) {
    return entry(subdomain).writesHeld();
  }

  private Entry entry(String subdomain) {
    Entry e = cache.get(subdomain, this::load);
    if (isStale(e)) {
      cache.asMap().remove(subdomain, e);
      e = cache.get(subdomain, this::load);
    }
    return e;
  }

  private Entry load(String subdomain) {
    long started = sequence.get();
    if (registryDown && System.nanoTime() - registryRetryAt < 0) {
      throw new DataAccessResourceFailureException(
          "the tenant registry was unreachable a moment ago");
    }
    Optional<Tenant> row;
    try {
      row = registry.findLiveBySubdomain(subdomain);
      registryDown = false;
    } catch (DataAccessException e) {
      registryRetryAt = System.nanoTime() + REGISTRY_BACKOFF_NANOS;
      registryDown = true;
      throw e;
    }
    Tenant serving = row.filter(Tenant::servesTraffic).orElse(null);
    return new Entry(
        row.map(Tenant::tenantId).orElse(null),
        serving,
        serving != null && operations.writesHeld(serving.tenantId()),
        started);
  }

  private boolean isStale(Entry e) {
    if (e.loadedAt() < clearedAt) {
      return true;
    }
    if (e.tenantId() == null) {
      return sequence.get() > e.loadedAt();
    }
    return changedAt.getOrDefault(e.tenantId(), 0L) > e.loadedAt();
  }

  /** The registry row of a tenant changed: forget it (and every unknown subdomain) at once. */
  public void onTenantChanged(UUID tenantId) {
    long s = sequence.incrementAndGet();
    changedAt.put(tenantId, s);
    cache.asMap().values().removeIf(e -> e.tenantId() == null || tenantId.equals(e.tenantId()));
    for (Consumer<UUID> l : changeListeners) {
      l.accept(tenantId);
    }
  }

  /** Changes may have been missed (the listener reconnected): forget everything. */
  public void clearAll() {
    clearedAt = sequence.incrementAndGet();
    cache.invalidateAll();
  }

  /** Called with the tenant id after each change notification. */
  void addChangeListener(Consumer<UUID> listener) {
    changeListeners.add(listener);
  }

  /** True while the last registry lookup failed (the registry is unreachable). */
  public boolean registryUnreachable() {
    return registryDown;
  }

  /** Number of cached tenants that serve traffic now. */
  public long servingTenants() {
    return cache.asMap().values().stream().filter(e -> e.serving() != null).count();
  }
}
