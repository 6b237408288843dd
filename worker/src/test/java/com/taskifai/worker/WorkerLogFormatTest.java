package com.taskifai.worker;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import com.taskifai.registry.LogContext;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The standalone worker's log format prints the log context that activities run under. */
class WorkerLogFormatTest {

  @Test
  void anActivityLineNamesItsTenantWorkflowAndActivity() throws Exception {
    LoggerContext context = new LoggerContext();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(
        WorkerLogFormatTest.class.getClassLoader().getResource(WorkerMain.LOG_CONFIG));
    try {
      var logger = context.getLogger("com.taskifai.activities.Example");
      @SuppressWarnings("unchecked")
      ConsoleAppender<ILoggingEvent> out =
          (ConsoleAppender<ILoggingEvent>)
              context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("STDOUT");
      LoggingEvent event =
          new LoggingEvent(
              "test", logger, Level.INFO, "created database {}", null, new Object[] {"t_1"});
      event.setMDCPropertyMap(
          Map.of(
              LogContext.TENANT_ID, "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
              LogContext.WORKFLOW_ID, "tenant-provision-acme",
              LogContext.ACTIVITY_ID, "7"));

      String line = new String(out.getEncoder().encode(event), StandardCharsets.UTF_8);

      assertThat(line)
          .contains("tenant=1b4e28ba-2fa1-11d2-883f-0016d3cca427")
          .contains("wf=tenant-provision-acme")
          .contains("activity=7")
          .contains("created database t_1");
    } finally {
      context.stop();
    }
  }
}
