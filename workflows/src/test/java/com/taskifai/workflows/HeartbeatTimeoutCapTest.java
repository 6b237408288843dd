package com.taskifai.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.activity.ActivityOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class HeartbeatTimeoutCapTest {
  private final HeartbeatTimeoutCap cap = new HeartbeatTimeoutCap(Duration.ofSeconds(5));

  @Test
  void aLongerHeartbeatTimeoutIsCutToTheCapAndTheOtherOptionsStay() {
    ActivityOptions capped = cap.apply(ActivityPolicies.FLEET_LONG);

    assertThat(capped.getHeartbeatTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(capped.getStartToCloseTimeout())
        .isEqualTo(ActivityPolicies.FLEET_LONG.getStartToCloseTimeout());
    assertThat(capped.getRetryOptions()).isEqualTo(ActivityPolicies.FLEET_LONG.getRetryOptions());
  }

  @Test
  void anActivityWithoutAHeartbeatTimeoutGetsTheCapAndAShorterOneKeepsItsOwn() {
    assertThat(cap.apply(ActivityPolicies.FLEET_SHORT).getHeartbeatTimeout())
        .isEqualTo(Duration.ofSeconds(5));
    ActivityOptions quick =
        ActivityOptions.newBuilder(ActivityPolicies.FLEET_LONG)
            .setHeartbeatTimeout(Duration.ofSeconds(2))
            .build();
    assertThat(cap.apply(quick)).isSameAs(quick);
  }

  @Test
  void aCapThatIsNotPositiveIsRefused() {
    assertThatThrownBy(() -> new HeartbeatTimeoutCap(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be positive");
  }
}
