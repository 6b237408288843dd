package com.taskifai.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.settings.Settings;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class WorkerSettingsTest {

  @Test
  void theWorkersEnvironmentNamesBindItsRecord() {
    WorkerSettings s =
        Settings.of(
                Map.of(
                    "TASKIFAI_WORKER_MANAGEMENT_PORT",
                    "18082",
                    "TASKIFAI_TEMPORAL_EMBEDDED",
                    "true",
                    "TASKIFAI_WORKER_HEARTBEAT_TIMEOUT",
                    "PT5S"))
            .bind(WorkerSettings.class);

    assertThat(s.worker().managementPort()).isEqualTo(18082);
    assertThat(s.temporal().embedded()).isTrue();
    assertThat(s.worker().heartbeatTimeout()).isEqualTo(java.time.Duration.ofSeconds(5));
    // Unset, each step keeps its own heartbeat timeout.
    assertThat(Settings.of(Map.of()).bind(WorkerSettings.class).worker().heartbeatTimeout())
        .isNull();
  }

  @Test
  void defaultsAndSystemPropertiesOverTheEnvironment() {
    assertThat(Settings.of(Map.of()).bind(WorkerSettings.class).worker().managementPort())
        .isEqualTo(8082);
    Properties system = new Properties();
    system.setProperty("taskifai.worker.management-port", "9");
    assertThat(
            Settings.of(Map.of("TASKIFAI_WORKER_MANAGEMENT_PORT", "18082"), system)
                .bind(WorkerSettings.class)
                .worker()
                .managementPort())
        .isEqualTo(9);
  }

  @Test
  void faultInjectionIsOnlyOnWhenTheEnvironmentSaysSo() {
    assertThat(PlatformWorker.faultInjection(Map.of())).isFalse();
    assertThat(PlatformWorker.faultInjection(Map.of("TASKIFAI_FAULT_INJECTION", "true"))).isTrue();
  }
}
