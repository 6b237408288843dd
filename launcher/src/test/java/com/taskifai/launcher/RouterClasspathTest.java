package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The router's own classpath: read from the list the routing runtime's build writes, it holds the
 * router's modules and libraries and the launcher's classes, runs the router's entry point, and
 * holds nothing of the admin API or the worker.
 */
class RouterClasspathTest {

  @Test
  void dependencyListLinesBecomeTheJarFileNamesOfAnExecutableJar() {
    assertThat(
            RouterClasspath.jarNames(
                List.of(
                    "The following files have been resolved:",
                    "   com.zaxxer:HikariCP:jar:7.0.2:compile -- module com.zaxxer.hikari",
                    "   io.netty:netty-transport-native-epoll:jar:linux-x86_64:4.2.1:runtime",
                    "   com.taskifai:registry:jar:0.1.0-SNAPSHOT:compile -- module registry (auto)",
                    "   org.example:bom:pom:1.0:import")))
        .containsExactly(
            "HikariCP-7.0.2.jar",
            "netty-transport-native-epoll-4.2.1-linux-x86_64.jar",
            "registry-0.1.0-SNAPSHOT.jar");
  }

  @Test
  void aPackagedModuleOfThisBuildIsKeptButNotItsTestJar() {
    // mvn verify puts the reactor's jars on the classpath where mvn test puts classes folders.
    java.util.Set<String> modules = java.util.Set.of("routing-runtime", "registry", "launcher");
    assertThat(RouterClasspath.moduleJar("routing-runtime-0.1.0-SNAPSHOT.jar", modules))
        .isEqualTo("routing-runtime");
    assertThat(RouterClasspath.moduleJar("registry-0.1.0-SNAPSHOT.jar", modules))
        .isEqualTo("registry");
    assertThat(RouterClasspath.moduleJar("routing-runtime-0.1.0-SNAPSHOT-tests.jar", modules))
        .isNull();
    assertThat(RouterClasspath.moduleJar("api-0.1.0-SNAPSHOT.jar", modules)).isNull();
    assertThat(RouterClasspath.moduleJar("registry-client-1.0.jar", modules)).isNull();
  }

  @Test
  void theRouterClasspathRunsTheRouterAndLeavesOutTheApiAndTheWorker() throws Exception {
    String classPath = RouterClasspath.of(System.getProperty("java.class.path")).orElseThrow();
    List<String> entries = Arrays.asList(classPath.split(File.pathSeparator));

    assertThat(entries)
        .anyMatch(e -> e.contains("routing-runtime"))
        .noneMatch(e -> e.contains(File.separator + "api" + File.separator))
        .noneMatch(e -> e.contains(File.separator + "worker" + File.separator))
        .noneMatch(e -> Path.of(e).getFileName().toString().startsWith("temporal-sdk"));
    URL[] urls = new URL[entries.size()];
    for (int i = 0; i < urls.length; i++) {
      urls[i] = Path.of(entries.get(i)).toUri().toURL();
    }
    try (URLClassLoader router = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader())) {
      assertThat(
              Class.forName(RouterMain.class.getName(), false, router)
                  .getMethod("main", String[].class))
          .isNotNull();
      Class.forName("com.taskifai.routing.RoutingRuntimeApplication", false, router);
      Class.forName("org.springframework.boot.SpringApplication", false, router);
      assertThatThrownBy(() -> Class.forName("com.taskifai.api.AdminApiApplication", false, router))
          .isInstanceOf(ClassNotFoundException.class);
      assertThatThrownBy(() -> Class.forName("com.taskifai.worker.WorkerMain", false, router))
          .isInstanceOf(ClassNotFoundException.class);
    }
  }
}
