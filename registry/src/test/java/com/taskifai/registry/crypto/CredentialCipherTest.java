package com.taskifai.registry.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialCipherTest {
  private static final String K1 = KeyRing.newKeyEntry("k1");
  private static final String K2 = KeyRing.newKeyEntry("k2");
  private final UUID tenantA = UUID.randomUUID();
  private final UUID tenantB = UUID.randomUUID();

  @Test
  void roundTripsAndUsesAFreshNonceEachTime() {
    CredentialCipher cipher = new CredentialCipher(KeyRing.parse(K1));
    String ctx = CredentialCipher.tenantContext(tenantA, "database_key");
    String a = cipher.encrypt("s3cret-pw", ctx);
    String b = cipher.encrypt("s3cret-pw", ctx);
    assertThat(a).isNotEqualTo(b).doesNotContain("s3cret-pw").startsWith("tk1.k1.");
    assertThat(cipher.decrypt(a, ctx)).isEqualTo("s3cret-pw");
    assertThat(cipher.decrypt(b, ctx)).isEqualTo("s3cret-pw");
  }

  @Test
  void refusesACiphertextWithAFlippedBit() {
    CredentialCipher cipher = new CredentialCipher(KeyRing.parse(K1));
    String ctx = CredentialCipher.tenantContext(tenantA, "database_key");
    String sealed = cipher.encrypt("s3cret-pw", ctx);
    String prefix = sealed.substring(0, sealed.lastIndexOf('.') + 1);
    byte[] body = Base64.getUrlDecoder().decode(sealed.substring(prefix.length()));
    for (int i = 0; i < body.length; i += 7) {
      byte[] copy = body.clone();
      copy[i] ^= 0x01;
      String tampered = prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(copy);
      assertThatThrownBy(() -> cipher.decrypt(tampered, ctx))
          .isInstanceOf(CredentialDecryptionException.class);
    }
  }

  @Test
  void refusesACiphertextCopiedIntoAnotherTenantsRowOrColumn() {
    CredentialCipher cipher = new CredentialCipher(KeyRing.parse(K1));
    String sealed =
        cipher.encrypt("s3cret-pw", CredentialCipher.tenantContext(tenantA, "database_key"));
    assertThatThrownBy(
            () -> cipher.decrypt(sealed, CredentialCipher.tenantContext(tenantB, "database_key")))
        .isInstanceOf(CredentialDecryptionException.class)
        .hasMessageContaining("another tenant");
    assertThatThrownBy(
            () -> cipher.decrypt(sealed, CredentialCipher.tenantContext(tenantA, "database_url")))
        .isInstanceOf(CredentialDecryptionException.class);
  }

  @Test
  void aRotatedRingDecryptsOldValuesAndReencryptsThemUnderTheNewestKey() {
    String ctx = CredentialCipher.tenantContext(tenantA, "database_key");
    String old = new CredentialCipher(KeyRing.parse(K1)).encrypt("pw-1", ctx);

    CredentialCipher rotated = new CredentialCipher(KeyRing.parse(K2 + "," + K1));
    assertThat(rotated.decrypt(old, ctx)).isEqualTo("pw-1");
    assertThat(rotated.isCurrent(old)).isFalse();
    String moved = rotated.reencrypt(old, ctx);
    assertThat(CredentialCipher.keyIdOf(moved)).isEqualTo("k2");
    assertThat(rotated.reencrypt(moved, ctx)).isEqualTo(moved);

    CredentialCipher onlyNew = new CredentialCipher(KeyRing.parse(K2));
    assertThat(onlyNew.decrypt(moved, ctx)).isEqualTo("pw-1");
    assertThatThrownBy(() -> onlyNew.decrypt(old, ctx))
        .isInstanceOf(CredentialDecryptionException.class)
        .hasMessageContaining("not in the key ring");
  }

  @Test
  void refusesMalformedKeyRings() {
    assertThatThrownBy(() -> KeyRing.parse("")).hasMessageContaining("no master key");
    assertThatThrownBy(
            () -> KeyRing.parse("k1:" + Base64.getEncoder().encodeToString(new byte[16])))
        .hasMessageContaining("32 bytes");
    assertThatThrownBy(() -> KeyRing.parse("k1:not base64!")).hasMessageContaining("base64");
    assertThatThrownBy(() -> KeyRing.parse(K1 + "," + K1)).hasMessageContaining("twice");
    assertThatThrownBy(() -> KeyRing.parse("bad id:" + K1.substring(3))).hasMessageContaining("id");
  }

  @Test
  void neverPrintsKeyMaterial() {
    KeyRing ring = KeyRing.parse(K1);
    assertThat(ring.toString()).doesNotContain(K1.substring(3));
  }

  @Test
  void generatesADevKeyFileOnceAndPrefersTheEnvironment(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("sub/master.keys");
    KeyRing first = KeyRing.fromEnvironment(Map.of(), file);
    KeyRing again = KeyRing.fromEnvironment(Map.of(), file);
    String ctx = "x";
    assertThat(
            new CredentialCipher(again).decrypt(new CredentialCipher(first).encrypt("v", ctx), ctx))
        .isEqualTo("v");
    assertThat(Files.getPosixFilePermissions(file))
        .containsExactlyInAnyOrder(
            java.nio.file.attribute.PosixFilePermission.OWNER_READ,
            java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    assertThat(KeyRing.fromEnvironment(Map.of(KeyRing.ENV_KEYS, K2), file).primaryId())
        .isEqualTo("k2");
    assertThatThrownBy(() -> KeyRing.fromEnvironment(Map.of(), null))
        .hasMessageContaining("TASKIFAI_MASTER_KEYS");
  }

  @Test
  void aProcessThatMayNotCreateKeysRefusesAMissingKeyFile(@TempDir Path dir) {
    Path file = dir.resolve("master.keys");
    assertThatThrownBy(() -> KeyRing.from("", file.toString(), false))
        .hasMessageContaining("does not exist");
    assertThat(Files.exists(file)).isFalse();
    KeyRing created = KeyRing.from(null, file.toString(), true);
    assertThat(KeyRing.from(null, file.toString(), false).primaryId())
        .isEqualTo(created.primaryId());
    assertThat(KeyRing.from(K2, file.toString(), false).primaryId()).isEqualTo("k2");
    assertThatThrownBy(() -> KeyRing.from(null, null, true)).hasMessageContaining("no master key");
  }
}
