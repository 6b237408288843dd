package com.taskifai.api.costs;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.TenantUsage;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** One tenant's line of the cost report, for both tiers. */
class CostReportLineTest {
  private static final CostSettings.Prices PRICES =
      new CostSettings.Prices(
          "USD",
          new BigDecimal("0.115"),
          new BigDecimal("0.023"),
          new BigDecimal("5.00"),
          new BigDecimal("0.40"));

  @Test
  void aTrialPaysForItsRowsShareAndNoDatabaseOfItsOwn() {
    List<CostReport.Sample> share =
        List.of(new CostReport.Sample(LocalDate.of(2026, 12, 1), 1L << 30));

    CostReport.Line trial = CostReport.line(tenant(Tenant.TRIAL), usage(), share, 0, PRICES);
    CostReport.Line dedicated =
        CostReport.line(tenant(Tenant.DEDICATED), usage(), share, 0, PRICES);

    assertThat(trial.estimate().storage()).isEqualByComparingTo("0.115");
    assertThat(trial.estimate().database()).isEqualByComparingTo("0");
    assertThat(trial.estimate().total()).isEqualByComparingTo("0.115");
    assertThat(dedicated.estimate().database()).isEqualByComparingTo("5.00");
  }

  private static TenantUsage.Usage usage() {
    return new TenantUsage.Usage(UUID.randomUUID(), 0, 0, 0, 0);
  }

  private static Tenant tenant(String tier) {
    return new Tenant(
        UUID.randomUUID(),
        "acme",
        "Acme",
        "admin@acme.test",
        TenantStatus.ACTIVE,
        true,
        "local",
        "local-1",
        "taskifai_trials",
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        tier);
  }
}
