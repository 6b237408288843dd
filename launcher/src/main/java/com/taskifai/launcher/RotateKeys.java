package com.taskifai.launcher;

import com.taskifai.registry.CredentialRotation;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.settings.DbSettings;
import com.taskifai.registry.settings.Settings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * {@code ./taskifai rotate-keys [--new-key ID]}: moves every ciphertext in the registry (tenant
 * credentials, staged secrets, admins' TOTP secrets, servers' passwords, shared trial databases'
 * app passwords) to the newest master key, then says which older keys may leave the ring and which
 * are still needed, and where (a value it could not move, or a verification link in flight). Exits
 * 1 when a value could not be moved. With {@code --new-key}, first puts a new key at the head of
 * the dev key file ({@code .taskifai/master.keys}); in production, list the new key first in {@code
 * TASKIFAI_MASTER_KEYS} instead. The platform database comes from {@code TASKIFAI_DB_*}, else from
 * {@code .taskifai/dev.env}.
 */
public final class RotateKeys {
  private RotateKeys() {}

  public static void main(String[] args) throws IOException {
    Map<String, String> env = new HashMap<>();
    Path home = DevSettings.home(System.getenv());
    Path devEnv = home.resolve("dev.env");
    if (Files.exists(devEnv)) {
      Properties p = new Properties();
      try (var r = Files.newBufferedReader(devEnv, StandardCharsets.UTF_8)) {
        p.load(r);
      }
      p.stringPropertyNames().forEach(k -> env.put(k, p.getProperty(k)));
    }
    env.putAll(System.getenv());
    Path keyFile = home.resolve("master.keys");
    if (args.length == 2 && args[0].equals("--new-key")) {
      var lock = SingleInstanceLock.tryAcquire(home.resolve("dev.lock"));
      if (lock.isEmpty()) {
        System.err.println(
            "rotate-keys: ./taskifai dev is running and knows only the old keys; stop it, add the"
                + " key, start it again, then run ./taskifai rotate-keys without --new-key");
        System.exit(3);
      }
      lock.get().close();
      String entry = KeyRing.newKeyEntry(args[1]);
      String existing =
          Files.exists(keyFile) ? Files.readString(keyFile, StandardCharsets.UTF_8) : "";
      KeyRing.parse(entry + "\n" + existing); // refuses a duplicate id before anything is written
      Files.writeString(keyFile, entry + "\n" + existing, StandardCharsets.UTF_8);
      System.out.println("rotate-keys: added master key '" + args[1] + "' to " + keyFile);
    } else if (args.length != 0) {
      System.err.println("usage: ./taskifai rotate-keys [--new-key ID]");
      System.exit(2);
    }
    Settings settings = Settings.of(env);
    if (!settings.isSet("taskifai.db.url")) {
      System.err.println(
          "rotate-keys: set TASKIFAI_DB_URL (or run ./taskifai dev once for .taskifai/dev.env)");
      System.exit(2);
    }
    DbSettings db = settings.bind(DbSettings.class);
    String url = db.url();
    KeyRing ring = KeyRing.fromEnvironment(env, keyFile);
    CredentialRotation.Report report;
    try {
      report =
          new CredentialRotation(
                  DevPlatform.dataSource(url, db.username(), db.password()),
                  new CredentialCipher(ring))
              .rotate(Instant.now());
    } catch (org.springframework.dao.DataAccessException e) {
      System.err.println(
          "rotate-keys: cannot reach the platform database at "
              + url
              + " (is ./taskifai dev running?): "
              + e.getMostSpecificCause().getMessage());
      System.exit(1);
      return;
    }
    System.out.print(describe(report, ring.ids()));
    if (!report.failures().isEmpty()) {
      System.exit(1);
    }
  }

  /** What a rotation did and what it means for each key of the ring, as printed. */
  static String describe(CredentialRotation.Report report, List<String> ringIds) {
    StringBuilder out = new StringBuilder();
    out.append("rotate-keys: ")
        .append(report.reencrypted())
        .append(" value(s) re-encrypted under master key '")
        .append(report.primaryKeyId())
        .append("'\n");
    if (!report.failures().isEmpty()) {
      out.append("rotate-keys: ")
          .append(report.failures().size())
          .append(" value(s) could not be re-encrypted:\n");
      report.failures().forEach(f -> out.append("  - ").append(f).append('\n'));
    }
    for (String id : ringIds) {
      if (id.equals(report.primaryKeyId())) {
        continue;
      }
      List<String> uses = report.stillUsed().getOrDefault(id, List.of());
      if (uses.isEmpty()) {
        out.append("rotate-keys: key '")
            .append(id)
            .append("' is no longer used; it may be removed from the key ring\n");
      } else {
        out.append("rotate-keys: key '")
            .append(id)
            .append("' is still used; do not remove it yet (")
            .append(uses.size())
            .append(" use(s)):\n");
        uses.stream().limit(20).forEach(u -> out.append("  - ").append(u).append('\n'));
        if (uses.size() > 20) {
          out.append("  - and ").append(uses.size() - 20).append(" more\n");
        }
      }
    }
    report.stillUsed().keySet().stream()
        .filter(id -> !ringIds.contains(id))
        .forEach(
            id ->
                out.append("rotate-keys: key '")
                    .append(id)
                    .append("' is not in the key ring but ")
                    .append(report.stillUsed().get(id).size())
                    .append(" value(s) or link(s) need it\n"));
    return out.toString();
  }
}
