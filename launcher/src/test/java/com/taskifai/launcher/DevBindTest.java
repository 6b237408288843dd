package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code TASKIFAI_DEV_BIND} beyond loopback is asked for twice and says what it exposes. */
class DevBindTest {

  @Test
  void loopbackBindsNeedNoSecondSetting() {
    assertThat(DevPlatform.exposure(Map.of())).isEmpty();
    for (String bind : new String[] {"127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"}) {
      assertThat(DevPlatform.exposure(Map.of(DevPlatform.DEV_BIND, bind))).as(bind).isEmpty();
    }
  }

  @Test
  void everyInterfaceIsRefusedWithoutTheSecondSettingAndTheRefusalSaysWhatItWouldExpose() {
    for (String bind : new String[] {"0.0.0.0", "::", "192.0.2.10"}) {
      for (String expose : new String[] {"", "false", "yes"}) {
        assertThatThrownBy(
                () ->
                    DevPlatform.exposure(
                        Map.of(DevPlatform.DEV_BIND, bind, DevPlatform.DEV_EXPOSE, expose)))
            .as(bind + " with " + expose)
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("TASKIFAI_DEV_BIND=" + bind)
            .hasMessageContaining("Temporal server takes commands without credentials")
            .hasMessageContaining("restore, move or promotion")
            .hasMessageContaining("\"email verified\"")
            .hasMessageContaining("TASKIFAI_DEV_EXPOSE=true");
      }
    }
  }

  @Test
  void askedTwiceTheBindIsAllowedAndStillNamesWhatItExposes() {
    assertThat(
            DevPlatform.exposure(
                Map.of(DevPlatform.DEV_BIND, "0.0.0.0", DevPlatform.DEV_EXPOSE, "true")))
        .hasValueSatisfying(
            note ->
                assertThat(note)
                    .contains("without credentials")
                    .contains("restore, move or promotion"));
  }

  @Test
  void aRefusedBindStartsNothing(@TempDir Path home) {
    DevPlatform platform = new DevPlatform(Map.of(DevPlatform.DEV_BIND, "0.0.0.0"), home);
    assertThatThrownBy(platform::start).hasMessageContaining("TASKIFAI_DEV_EXPOSE=true");
    platform.close();
    assertThat(Files.exists(home.resolve("dev-secrets.properties"))).isFalse();
    assertThat(Files.exists(home.resolve("postgres"))).isFalse();
  }
}
