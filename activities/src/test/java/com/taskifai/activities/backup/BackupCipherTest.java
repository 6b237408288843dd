package com.taskifai.activities.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class BackupCipherTest {
  private final byte[] key = BackupCipher.newDataKey();
  private final UUID id = UUID.randomUUID();

  private byte[] decrypt(byte[] sealed, byte[] k, UUID backupId) throws IOException {
    return BackupCipher.decrypting(new ByteArrayInputStream(sealed), k, backupId).readAllBytes();
  }

  @Test
  void roundTripsEmptySmallAndMultiChunkStreams() throws IOException {
    Random random = new Random(7);
    for (int size :
        new int[] {0, 1, BackupCipher.CHUNK - 1, BackupCipher.CHUNK, 3 * BackupCipher.CHUNK + 5}) {
      byte[] plain = new byte[size];
      random.nextBytes(plain);
      byte[] sealed = BackupCipher.encryptAll(plain, key, id);
      assertThat(decrypt(sealed, key, id)).isEqualTo(plain);
      if (size > 16) {
        // Not plaintext at rest.
        assertThat(new String(sealed)).doesNotContain(new String(plain, 0, 16));
      }
    }
  }

  @Test
  void refusesAFlippedByteATruncationAnotherBackupsIdAndAnotherKey() throws IOException {
    byte[] plain = new byte[2 * BackupCipher.CHUNK + 100];
    new Random(3).nextBytes(plain);
    byte[] sealed = BackupCipher.encryptAll(plain, key, id);

    byte[] flipped = sealed.clone();
    flipped[flipped.length / 2] ^= 1;
    assertThatThrownBy(() -> decrypt(flipped, key, id))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("does not authenticate");

    // Cut after the first full frame: the last chunk is missing.
    int firstFrame = 4 + 4 + BackupCipher.CHUNK + 16;
    byte[] truncated = Arrays.copyOf(sealed, firstFrame);
    assertThatThrownBy(() -> decrypt(truncated, key, id))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cut short");

    assertThatThrownBy(() -> decrypt(sealed, key, UUID.randomUUID()))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> decrypt(sealed, BackupCipher.newDataKey(), id))
        .isInstanceOf(IOException.class);
  }

  @Test
  void readsThePgDumpMajorVersion() {
    assertThat(PgClient.majorOf("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"))
        .isEqualTo(15);
    assertThat(PgClient.majorOf("pg_dump (PostgreSQL) 17.6")).isEqualTo(17);
    assertThatThrownBy(() -> PgClient.majorOf("bash: pg_dump: not found"))
        .isInstanceOf(IllegalStateException.class);
  }
}
