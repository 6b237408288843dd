package com.taskifai.launcher;

import java.util.Set;

/**
 * The launcher jar's entry point ({@code java -jar launcher.jar [command]}): the operator's
 * commands ({@code init}, {@code admins}, {@code servers}; see {@link Operator}), the production
 * topology on this machine ({@code up}: separate processes), the chaos soak on that topology
 * ({@code chaos}; see {@link com.taskifai.launcher.chaos.ChaosSoak}), else the dev platform ({@code
 * dev} or no command), as before.
 */
public final class Taskifai {
  private static final Set<String> OPERATOR_COMMANDS = Set.of("init", "admins", "servers");

  private Taskifai() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && OPERATOR_COMMANDS.contains(args[0])) {
      int code = new Operator(System.getenv(), System.out).run(args);
      System.out.flush();
      System.exit(code);
    }
    if (args.length > 0 && args[0].equals("chaos")) {
      com.taskifai.launcher.chaos.ChaosSoak.main(tail(args));
      return;
    }
    if (args.length > 0 && args[0].equals("up")) {
      DevPlatform.up(tail(args));
      return;
    }
    String[] rest = args.length > 0 && args[0].equals("dev") ? tail(args) : args;
    DevPlatform.main(rest);
  }

  private static String[] tail(String[] args) {
    String[] rest = new String[args.length - 1];
    System.arraycopy(args, 1, rest, 0, rest.length);
    return rest;
  }
}
