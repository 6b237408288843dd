package com.taskifai.api.costs;

import com.taskifai.api.ApiException;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.TenantUsage;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * The cost report of a month: per tenant what it used (database size and growth from the daily
 * samples, requests and connection time through the routers, sell-out rows and bytes uploaded,
 * stored backup bytes) and a monthly estimate from the configured prices ({@link CostSettings}).
 */
@Component
public class CostReport {
  static final BigDecimal GB = BigDecimal.valueOf(1L << 30);
  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
  private static final Pattern MONTH = Pattern.compile("\\d{4}-\\d{2}");
  private static final MathContext MC = MathContext.DECIMAL64;

  private final TenantUsage usage;
  private final TenantRegistry registry;
  private final CostSettings settings;
  private final Clock clock;

  CostReport(TenantUsage usage, TenantRegistry registry, CostSettings settings, Clock clock) {
    this.usage = usage;
    this.registry = registry;
    this.settings = settings;
    this.clock = clock;
  }

  /** One database size sample. */
  public record Sample(LocalDate day, long bytes) {}

  /** The estimate's parts and total, in the report's currency. */
  public record Estimate(
      BigDecimal storage,
      BigDecimal backups,
      BigDecimal database,
      BigDecimal requests,
      BigDecimal total) {}

  /** One tenant's line of the report. */
  public record Line(
      UUID tenantId,
      String subdomain,
      String companyName,
      String status,
      long databaseBytes,
      long databaseBytesAverage,
      long databaseGrowthBytes,
      List<Sample> samples,
      long requests,
      double connectionSeconds,
      long uploadRows,
      long uploadBytes,
      long backupBytes,
      Estimate estimate) {}

  /** The report of one month. */
  public record Report(
      String month,
      String currency,
      CostSettings.Prices prices,
      List<Line> tenants,
      Estimate total) {}

  /** The month of {@code text} ({@code YYYY-MM}), the current (UTC) month when blank; else 400. */
  public YearMonth month(String text) {
    if (text == null || text.isBlank()) {
      return YearMonth.now(clock.withZone(ZoneOffset.UTC));
    }
    String t = text.strip();
    try {
      if (MONTH.matcher(t).matches()) {
        YearMonth m = YearMonth.parse(t);
        if (m.getYear() >= 2000) {
          return m;
        }
      }
    } catch (DateTimeParseException e) {
      // answered below
    }
    throw ApiException.badRequest(
        "month must be a month as YYYY-MM (from 2000-01), such as "
            + YearMonth.now(clock.withZone(ZoneOffset.UTC))
            + "; got '"
            + (t.length() > 20 ? t.substring(0, 20) + "…" : t)
            + "'");
  }

  /** The report of every tenant that had a database, usage or backups in the month. */
  public Report report(YearMonth month) {
    return build(month, Optional.empty());
  }

  /** The report of one tenant (a line of zeros when it used nothing that month). */
  public Report report(YearMonth month, Tenant tenant) {
    return build(month, Optional.of(tenant));
  }

  private Report build(YearMonth month, Optional<Tenant> only) {
    LocalDate from = month.atDay(1);
    LocalDate to = month.plusMonths(1).atDay(1);
    Map<UUID, TenantUsage.Usage> used = usage.usage(from, to);
    Map<UUID, List<Sample>> samples = new HashMap<>();
    for (TenantUsage.SizeSample s : usage.sizes(from, to)) {
      samples
          .computeIfAbsent(s.tenantId(), k -> new ArrayList<>())
          .add(new Sample(s.day(), s.databaseBytes()));
    }
    Map<UUID, Long> backups =
        usage.backupBytes(
            from.atStartOfDay().toInstant(ZoneOffset.UTC),
            to.atStartOfDay().toInstant(ZoneOffset.UTC));
    Map<UUID, Tenant> tenants = new HashMap<>();
    if (only.isPresent()) {
      tenants.put(only.get().tenantId(), only.get());
    } else {
      for (Tenant t : registry.findByStatus(EnumSet.allOf(TenantStatus.class))) {
        tenants.put(t.tenantId(), t);
      }
    }
    Set<UUID> ids = new LinkedHashSet<>();
    if (only.isPresent()) {
      ids.add(only.get().tenantId());
    } else {
      ids.addAll(used.keySet());
      ids.addAll(samples.keySet());
      ids.addAll(backups.keySet());
    }
    CostSettings.Prices prices = settings.prices();
    List<Line> lines = new ArrayList<>();
    for (UUID id : ids) {
      Tenant t = tenants.get(id);
      if (t == null) {
        continue;
      }
      lines.add(
          line(
              t,
              used.getOrDefault(id, new TenantUsage.Usage(id, 0, 0, 0, 0)),
              samples.getOrDefault(id, List.of()),
              backups.getOrDefault(id, 0L),
              prices));
    }
    lines.sort(Comparator.comparing(Line::subdomain));
    BigDecimal storage = BigDecimal.ZERO;
    BigDecimal backup = BigDecimal.ZERO;
    BigDecimal database = BigDecimal.ZERO;
    BigDecimal requests = BigDecimal.ZERO;
    BigDecimal total = BigDecimal.ZERO;
    for (Line l : lines) {
      storage = storage.add(l.estimate().storage());
      backup = backup.add(l.estimate().backups());
      database = database.add(l.estimate().database());
      requests = requests.add(l.estimate().requests());
      total = total.add(l.estimate().total());
    }
    return new Report(
        month.toString(),
        prices.currency(),
        prices,
        lines,
        new Estimate(storage, backup, database, requests, total));
  }

  static Line line(
      Tenant t,
      TenantUsage.Usage u,
      List<Sample> samples,
      long backupBytes,
      CostSettings.Prices prices) {
    long latest = samples.isEmpty() ? 0 : samples.get(samples.size() - 1).bytes();
    long first = samples.isEmpty() ? 0 : samples.get(0).bytes();
    long average = 0;
    if (!samples.isEmpty()) {
      long sum = 0;
      for (Sample s : samples) {
        sum += s.bytes();
      }
      average = Math.round((double) sum / samples.size());
    }
    BigDecimal storage =
        BigDecimal.valueOf(average).divide(GB, MC).multiply(prices.perGbMonth(), MC);
    BigDecimal backups =
        BigDecimal.valueOf(backupBytes).divide(GB, MC).multiply(prices.backupPerGbMonth(), MC);
    // A trial has no database of its own: its samples are its rows' share of the shared one.
    BigDecimal database = samples.isEmpty() || t.isTrial() ? BigDecimal.ZERO : prices.perDatabase();
    BigDecimal requests =
        BigDecimal.valueOf(u.requests()).divide(MILLION, MC).multiply(prices.perMillionRequests());
    BigDecimal total = storage.add(backups).add(database).add(requests);
    return new Line(
        t.tenantId(),
        t.subdomain(),
        t.companyName(),
        t.status().name(),
        latest,
        average,
        latest - first,
        List.copyOf(samples),
        u.requests(),
        u.connectionMillis() / 1000.0,
        u.uploadRows(),
        u.uploadBytes(),
        backupBytes,
        new Estimate(
            money(storage), money(backups), money(database), money(requests), money(total)));
  }

  /** Amounts to a hundredth of a cent: small tenants' figures do not vanish into rounding. */
  static BigDecimal money(BigDecimal amount) {
    return amount.setScale(4, RoundingMode.HALF_UP);
  }
}
