package com.taskifai.launcher;

/**
 * Ends a platform process once the launcher that started it is gone, however it ended, so no
 * process outlives a launcher that was killed.
 */
final class ParentWatch {
  private ParentWatch() {}

  /** Exits (running the shutdown hooks) once the parent process ends. */
  static void exitWithParent() {
    ProcessHandle.current()
        .parent()
        .ifPresent(
            parent ->
                parent
                    .onExit()
                    .thenRun(
                        () -> {
                          System.err.println(
                              "taskifai child: the launcher (pid "
                                  + parent.pid()
                                  + ") is gone; stopping");
                          System.exit(0);
                        }));
  }
}
