package com.taskifai.registry.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The master keys, by key id. The first key listed is the newest: it encrypts; every key decrypts
 * what it encrypted. Rotation means listing a new key first and running {@code reencrypt}.
 *
 * <p>Text form: {@code id:base64key} entries separated by commas or new lines, each key 32 bytes.
 */
public final class KeyRing {
  /** Environment variable holding the key ring in text form. */
  public static final String ENV_KEYS = "TASKIFAI_MASTER_KEYS";

  /** Environment variable naming a file that holds the key ring in text form. */
  public static final String ENV_KEYS_FILE = "TASKIFAI_MASTER_KEYS_FILE";

  private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9_-]{1,32}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String primaryId;
  private final Map<String, SecretKey> keys;

  private KeyRing(String primaryId, Map<String, SecretKey> keys) {
    this.primaryId = primaryId;
    this.keys = keys;
  }

  /** Parses the text form; the first entry becomes the encrypting key. */
  public static KeyRing parse(String text) {
    Map<String, SecretKey> keys = new LinkedHashMap<>();
    String first = null;
    for (String entry : text.split("[,\\n]")) {
      String e = entry.strip();
      if (e.isEmpty() || e.startsWith("#")) {
        continue;
      }
      int colon = e.indexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("master key entry must be id:base64key");
      }
      String id = e.substring(0, colon);
      if (!KEY_ID.matcher(id).matches()) {
        throw new IllegalArgumentException("master key id must match " + KEY_ID.pattern());
      }
      byte[] raw;
      try {
        raw = Base64.getDecoder().decode(e.substring(colon + 1).strip());
      } catch (IllegalArgumentException bad) {
        throw new IllegalArgumentException("master key '" + id + "' is not valid base64");
      }
      if (raw.length != 32) {
        throw new IllegalArgumentException("master key '" + id + "' must be 32 bytes (AES-256)");
      }
      if (keys.putIfAbsent(id, new SecretKeySpec(raw, "AES")) != null) {
        throw new IllegalArgumentException("master key id '" + id + "' appears twice");
      }
      if (first == null) {
        first = id;
      }
    }
    if (first == null) {
      throw new IllegalArgumentException("the key ring holds no master key");
    }
    return new KeyRing(first, keys);
  }

  /** A new random key entry in text form, e.g. for a rotation. */
  public static String newKeyEntry(String id) {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    return id + ":" + Base64.getEncoder().encodeToString(raw);
  }

  /**
   * Loads the ring from {@code TASKIFAI_MASTER_KEYS}, else the file named by {@code
   * TASKIFAI_MASTER_KEYS_FILE}, else (when {@code devFile} is given) from that file, generating a
   * new key into it on first use. Without any of these it fails: production must be given its keys.
   */
  public static KeyRing fromEnvironment(Map<String, String> env, Path devFile) {
    String file = env.get(ENV_KEYS_FILE);
    boolean named = file != null && !file.isBlank();
    return from(
        env.get(ENV_KEYS),
        named ? file : devFile == null ? null : devFile.toString(),
        !named && devFile != null);
  }

  /**
   * The ring from its text form when {@code inline} is given, else from {@code file}. A missing
   * file is created with one new key only when {@code createFileIfAbsent} (dev); otherwise it
   * fails, as it does when neither is given: production must be given its keys.
   */
  public static KeyRing from(String inline, String file, boolean createFileIfAbsent) {
    if (inline != null && !inline.isBlank()) {
      return parse(inline);
    }
    if (file != null && !file.isBlank()) {
      Path path = Path.of(file);
      if (createFileIfAbsent) {
        return loadOrCreate(path);
      }
      if (!Files.exists(path)) {
        throw new IllegalStateException(
            "the master key file "
                + path
                + " does not exist; set "
                + ENV_KEYS
                + " or "
                + ENV_KEYS_FILE
                + " to the keys the platform encrypts with");
      }
      return read(path);
    }
    throw new IllegalStateException(
        "no master key: set " + ENV_KEYS + " or " + ENV_KEYS_FILE + " (format id:base64key)");
  }

  /** Reads a key file, creating it with one new key (owner-only permissions) if it is absent. */
  public static KeyRing loadOrCreate(Path file) {
    try {
      if (!Files.exists(file)) {
        Files.createDirectories(file.toAbsolutePath().getParent());
        String entry = newKeyEntry("dev1") + "\n";
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "keys", ".tmp");
        try {
          Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
          // Not a POSIX file system; the folder is the developer's own.
        }
        Files.writeString(tmp, entry, StandardCharsets.UTF_8);
        Files.move(tmp, file);
      }
      return read(file);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read or create the master key file " + file, e);
    }
  }

  private static KeyRing read(Path file) {
    try {
      return parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the master key file " + file, e);
    }
  }

  /** The id of the key that encrypts. */
  public String primaryId() {
    return primaryId;
  }

  SecretKey primaryKey() {
    return keys.get(primaryId);
  }

  Optional<SecretKey> key(String id) {
    return Optional.ofNullable(keys.get(id));
  }

  /** Key ids, newest first. */
  public List<String> ids() {
    return new ArrayList<>(keys.keySet());
  }

  @Override
  public String toString() {
    return "KeyRing" + ids() + " (primary " + primaryId + ")";
  }
}
