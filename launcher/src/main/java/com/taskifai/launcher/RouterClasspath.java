package com.taskifai.launcher;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The classpath a router process starts on: the routing runtime's own libraries (the list its build
 * writes into its jar, {@value #LIST}) and the launcher's classes, not the launcher's whole
 * classpath with the admin API's and the worker's libraries, whose auto-configuration candidates
 * Spring would otherwise weigh at every router start. From the launcher's executable jar the
 * libraries are extracted once into a folder beside it, as plain jars; on a plain classpath (the
 * tests) the entries are picked from it. Empty when the list or one of its libraries is not found:
 * the router then starts on the launcher's classpath, as before.
 */
final class RouterClasspath {
  /** Where the routing runtime's jar lists its runtime libraries ({@code dependency:list}). */
  static final String LIST = "META-INF/taskifai/runtime-classpath.txt";

  private static final String MODULE = "routing-runtime";
  private static final String LIB = "BOOT-INF/lib/";
  private static final String CLASSES = "BOOT-INF/classes/";

  /**
   * The launcher's classes, extracted as one jar rather than a folder: a class-data archive ({@link
   * RouterArchive}) is refused for a classpath with a folder on it.
   */
  static final String CLASSES_JAR = "launcher-classes.jar";

  /** {@code group:artifact:type[:classifier]:version:scope}, as dependency:list writes a line. */
  private static final Pattern COORDINATES =
      Pattern.compile("^\\s*([^:\\s]+):([^:\\s]+):([^:\\s]+)(?::([^:\\s]+))?:([^:\\s]+):(\\w+)");

  private static Optional<String> cached;

  private RouterClasspath() {}

  /**
   * The router's classpath for a child started from a JVM on {@code classPath} (this launcher's),
   * computed once per launcher.
   */
  static synchronized Optional<String> of(String classPath) {
    if (cached == null) {
      try {
        cached = compute(classPath);
        if (cached.isEmpty()) {
          System.err.println(
              "taskifai: router starts on the launcher's classpath (no " + LIST + " found)");
        }
      } catch (IOException | RuntimeException e) {
        System.err.println(
            "taskifai: router starts on the launcher's classpath (" + e.getMessage() + ")");
        cached = Optional.empty();
      }
    }
    return cached;
  }

  private static Optional<String> compute(String classPath) throws IOException {
    if (!classPath.contains(File.pathSeparator) && classPath.endsWith(".jar")) {
      return fromBootJar(Path.of(classPath));
    }
    return fromPlainClasspath(classPath);
  }

  /**
   * The module of this build whose main jar {@code file} is ({@code <module>-<version>.jar}, not
   * its test jar), or null.
   */
  static String moduleJar(String file, Set<String> modules) {
    if (!file.endsWith(".jar") || file.endsWith("-tests.jar")) {
      return null;
    }
    for (String m : modules) {
      if (file.startsWith(m + "-") && Character.isDigit(file.charAt(m.length() + 1))) {
        return m;
      }
    }
    return null;
  }

  /** The jar file names the list names ({@code artifact-version[-classifier].jar}). */
  static Set<String> jarNames(List<String> listLines) {
    Set<String> names = new LinkedHashSet<>();
    for (String line : listLines) {
      Matcher m = COORDINATES.matcher(line);
      if (m.find() && "jar".equals(m.group(3))) {
        String classifier = m.group(4) == null ? "" : "-" + m.group(4);
        names.add(m.group(2) + "-" + m.group(5) + classifier + ".jar");
      }
    }
    return names;
  }

  private static Optional<String> fromBootJar(Path launcherJar) throws IOException {
    Path folder = launcherJar.toAbsolutePath().resolveSibling("router-classpath");
    String stamp =
        Files.size(launcherJar) + " " + Files.getLastModifiedTime(launcherJar) + " " + CLASSES_JAR;
    Path stampFile = folder.resolve("stamp");
    try (JarFile jar = new JarFile(launcherJar.toFile())) {
      JarEntry routing = null;
      for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
        JarEntry entry = e.nextElement();
        if (entry.getName().startsWith(LIB + MODULE + "-")) {
          routing = entry;
        }
      }
      if (routing == null) {
        return Optional.empty();
      }
      List<String> lines = new ArrayList<>();
      try (JarInputStream nested = new JarInputStream(jar.getInputStream(routing))) {
        for (JarEntry n = nested.getNextJarEntry(); n != null; n = nested.getNextJarEntry()) {
          if (n.getName().equals(LIST)) {
            lines =
                new BufferedReader(new InputStreamReader(nested, StandardCharsets.UTF_8))
                    .lines()
                    .toList();
            break;
          }
        }
      }
      Set<String> names = jarNames(lines);
      if (names.isEmpty()) {
        return Optional.empty();
      }
      names.add(routing.getName().substring(LIB.length()));
      // Spring Boot leaves its starters (jars without classes) out of an executable jar.
      names.removeIf(n -> n.startsWith("spring-boot-starter") && jar.getEntry(LIB + n) == null);
      for (String name : names) {
        if (jar.getEntry(LIB + name) == null) {
          throw new IOException(name + " is not in " + launcherJar);
        }
      }
      boolean fresh = Files.isRegularFile(stampFile) && Files.readString(stampFile).equals(stamp);
      if (!fresh) {
        extract(jar, names, folder);
        Files.writeString(stampFile, stamp);
      }
      List<String> entries = new ArrayList<>();
      entries.add(folder.resolve(CLASSES_JAR).toString());
      names.forEach(n -> entries.add(folder.resolve("lib").resolve(n).toString()));
      return Optional.of(String.join(File.pathSeparator, entries));
    }
  }

  private static void extract(JarFile jar, Set<String> names, Path folder) throws IOException {
    Path tmp = Files.createTempDirectory(folder.getParent(), "router-classpath");
    Files.createDirectories(tmp.resolve("lib"));
    try (JarOutputStream classes =
        new JarOutputStream(Files.newOutputStream(tmp.resolve(CLASSES_JAR)))) {
      for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
        JarEntry entry = e.nextElement();
        String name = entry.getName();
        if (name.startsWith(CLASSES) && name.length() > CLASSES.length()) {
          classes.putNextEntry(new JarEntry(name.substring(CLASSES.length())));
          if (!entry.isDirectory()) {
            try (InputStream in = jar.getInputStream(entry)) {
              in.transferTo(classes);
            }
          }
          classes.closeEntry();
        } else if (name.startsWith(LIB) && names.contains(name.substring(LIB.length()))) {
          Path to = tmp.resolve("lib").resolve(name.substring(LIB.length()));
          try (InputStream in = jar.getInputStream(entry)) {
            Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
    }
    deleteTree(folder);
    Files.move(tmp, folder, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void deleteTree(Path folder) throws IOException {
    if (!Files.exists(folder)) {
      return;
    }
    try (var walk = Files.walk(folder)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /**
   * On a plain classpath (module class folders and jars of the local repository): the jars the list
   * names, the class folders of the router's own modules and the launcher's.
   */
  private static Optional<String> fromPlainClasspath(String classPath) throws IOException {
    List<String> lines;
    try (InputStream in = RouterClasspath.class.getClassLoader().getResourceAsStream(LIST)) {
      if (in == null) {
        return Optional.empty();
      }
      lines =
          new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList();
    }
    Set<String> names = jarNames(lines);
    Set<String> modules = new LinkedHashSet<>(List.of(MODULE, "launcher"));
    for (String line : lines) {
      Matcher m = COORDINATES.matcher(line);
      if (m.find() && m.group(1).equals("com.taskifai")) {
        modules.add(m.group(2));
      }
    }
    List<String> kept = new ArrayList<>();
    Set<String> found = new LinkedHashSet<>();
    for (String entry : classPath.split(File.pathSeparator)) {
      Path p = Path.of(entry);
      String file = p.getFileName() == null ? "" : p.getFileName().toString();
      if (names.contains(file)) {
        kept.add(entry);
        found.add(file);
      } else if (moduleJar(file, modules) != null) {
        // A module of this build packaged (mvn verify puts the reactor's jars on the classpath,
        // mvn test its classes folders): the routing runtime's own jar among them.
        kept.add(entry);
        found.add(moduleJar(file, modules) + "-");
      } else if (file.equals("classes") || file.equals("test-classes")) {
        Path module = p.getParent() == null ? null : p.getParent().getParent();
        String moduleName = module == null ? "" : module.getFileName().toString();
        // The launcher's test classes stay: its tests' logging setup is the children's too.
        if (modules.contains(moduleName)
            && (file.equals("classes") || moduleName.equals("launcher"))) {
          kept.add(entry);
          found.add(moduleName + "-");
        }
      }
    }
    for (String name : names) {
      boolean module =
          modules.stream().anyMatch(m -> name.startsWith(m + "-") && found.contains(m + "-"));
      if (!found.contains(name) && !module) {
        throw new IOException(name + " is not on the launcher's classpath");
      }
    }
    return Optional.of(String.join(File.pathSeparator, kept));
  }
}
