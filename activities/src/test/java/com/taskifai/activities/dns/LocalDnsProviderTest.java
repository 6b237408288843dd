package com.taskifai.activities.dns;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.activities.ActivitiesFixture;
import com.taskifai.workflows.ports.DnsRecord;
import com.taskifai.workflows.ports.StepInput;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class LocalDnsProviderTest {
  private static final ActivitiesFixture fx = new ActivitiesFixture();

  @Test
  void configuresOneRecordUnderTheBaseDomainWhenCalledTwice() {
    StepInput input = fx.reserve();

    DnsRecord first = fx.activities.dns().configureDns(input);
    DnsRecord second = fx.activities.dns().configureDns(input);

    assertThat(first)
        .isEqualTo(new DnsRecord(input.subdomain() + ".localhost", "A", "127.0.0.1", 300));
    assertThat(second).isEqualTo(first);
    assertThat(fx.dnsRecords(input.subdomain() + ".localhost")).isEqualTo(1);
  }

  @Test
  void deletesTheRecordAndADeleteOfNothingIsDone() {
    StepInput input = fx.reserve();
    fx.activities.dns().configureDns(input);

    fx.activities.dns().deleteDns(input);
    fx.activities.dns().deleteDns(input);

    assertThat(fx.dnsRecords(input.subdomain() + ".localhost")).isZero();
  }

  @Test
  void anUndoOfAnotherTenantLeavesTheCurrentHoldersRecordAlone() {
    StepInput holder = fx.reserve();
    fx.activities.dns().configureDns(holder);

    fx.activities.dns().deleteDns(StepInput.of(UUID.randomUUID(), holder.subdomain()));

    assertThat(fx.dnsRecords(holder.subdomain() + ".localhost")).isEqualTo(1);
  }

  @Test
  void picksTheRecordTypeFromTheTarget() {
    assertThat(DnsProvider.recordType("10.0.0.7")).isEqualTo("A");
    assertThat(DnsProvider.recordType("2001:db8::1")).isEqualTo("AAAA");
    assertThat(DnsProvider.recordType("router.taskifai.example")).isEqualTo("CNAME");
  }
}
