package com.taskifai.launcher;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.taskifai.api.AdminApiApplication;
import com.taskifai.api.dev.MailOutbox;
import com.taskifai.routing.RoutingRuntimeApplication;
import com.taskifai.worker.WorkerMain;
import java.util.Arrays;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.support.GenericApplicationContext;

/**
 * The entry point of each platform process {@code ./taskifai up} starts: {@code worker}, {@code
 * router} or {@code api}, configured from the environment like the process's own jar. It exits when
 * the launcher that started it is gone, so no process outlives a launcher that was killed.
 *
 * <p>The {@code api} process also runs the topology's embedded SMTP server (GreenMail on {@value
 * #SMTP_SERVER}, {@code host:port}) and shows what it received in the portal's dev outbox, as the
 * one-JVM dev platform does.
 */
public final class ChildMain {
  /** Where the api process serves SMTP ({@code host:port}); unset for none. */
  static final String SMTP_SERVER = "TASKIFAI_UP_SMTP_SERVER";

  private ChildMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("taskifai child: say which process: worker, router or api");
      System.exit(2);
    }
    ParentWatch.exitWithParent();
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    switch (args[0]) {
      case "worker" -> WorkerMain.main(rest);
      case "router" -> RoutingRuntimeApplication.main(rest);
      case "api" -> api(rest);
      default -> {
        System.err.println("taskifai child: unknown process '" + args[0] + "'");
        System.exit(2);
      }
    }
  }

  private static void api(String[] args) {
    SpringApplicationBuilder builder = new SpringApplicationBuilder(AdminApiApplication.class);
    String smtp = System.getenv(SMTP_SERVER);
    if (smtp != null && !smtp.isBlank()) {
      int colon = smtp.lastIndexOf(':');
      GreenMail greenMail =
          new GreenMail(
              new ServerSetup(
                  Integer.parseInt(smtp.substring(colon + 1)),
                  smtp.substring(0, colon),
                  ServerSetup.PROTOCOL_SMTP));
      greenMail.start();
      Runtime.getRuntime().addShutdownHook(new Thread(greenMail::stop, "taskifai-smtp-stop"));
      MailOutbox outbox = new GreenMailOutbox(greenMail);
      builder.initializers(
          ctx -> ((GenericApplicationContext) ctx).registerBean(MailOutbox.class, () -> outbox));
    }
    builder.run(args);
  }
}
