package com.taskifai.activities.backup;

import com.taskifai.registry.crypto.CredentialCipher;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Client-side encryption of a backup as a stream: AES-256-GCM under a data key of its own (random
 * per backup, stored wrapped by the key ring through {@link CredentialCipher}), in chunks of
 * {@value #CHUNK} bytes, so neither side ever holds more than one chunk.
 *
 * <p>Format: the magic {@code TKB1}, then frames {@code [int32 length][ciphertext||tag]}. Chunk
 * {@code i} uses nonce {@code 0^4 || int64(i)} (unique: one key per backup) and associated data
 * {@code tkb1|<backupId>|<i>|<last>}, so chunks cannot be reordered, moved to another backup, or
 * cut off at the end: a stream must end with a chunk sealed as last.
 */
public final class BackupCipher {
  static final int CHUNK = 1 << 20;
  private static final byte[] MAGIC = "TKB1".getBytes(StandardCharsets.US_ASCII);
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private BackupCipher() {}

  /** A new random 256-bit data key. */
  public static byte[] newDataKey() {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    return key;
  }

  /** The context the wrapped data key of a backup is bound to. */
  public static String dataKeyContext(UUID backupId) {
    return "backup:" + backupId + ":data_key";
  }

  /** Seals a data key with the key ring's newest key. */
  public static String wrap(CredentialCipher cipher, UUID backupId, byte[] dataKey) {
    return cipher.encrypt(Base64.getEncoder().encodeToString(dataKey), dataKeyContext(backupId));
  }

  /** Opens a wrapped data key; fails when the key ring lacks its key or it was altered. */
  public static byte[] unwrap(CredentialCipher cipher, UUID backupId, String wrapped) {
    return Base64.getDecoder().decode(cipher.decrypt(wrapped, dataKeyContext(backupId)));
  }

  /** The encrypted form of {@code plain}, read lazily. */
  public static InputStream encrypting(InputStream plain, byte[] dataKey, UUID backupId) {
    return new Encrypting(plain, new SecretKeySpec(dataKey, "AES"), backupId);
  }

  /**
   * The plaintext of an encrypted stream, read lazily.
   *
   * @throws IOException (on read) when a chunk does not authenticate or the stream is cut short
   */
  public static InputStream decrypting(InputStream sealed, byte[] dataKey, UUID backupId) {
    return new Decrypting(sealed, new SecretKeySpec(dataKey, "AES"), backupId);
  }

  private static Cipher cipher(int mode, SecretKey key, UUID backupId, long index, boolean last)
      throws GeneralSecurityException {
    byte[] nonce = ByteBuffer.allocate(12).putInt(0).putLong(index).array();
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
    c.updateAAD(
        ("tkb1|" + backupId + "|" + index + "|" + last).getBytes(StandardCharsets.US_ASCII));
    return c;
  }

  /** Reads up to {@code buf.length} bytes, fewer only at the end of the stream. */
  private static int readFully(InputStream in, byte[] buf) throws IOException {
    int n = 0;
    while (n < buf.length) {
      int r = in.read(buf, n, buf.length - n);
      if (r < 0) {
        break;
      }
      n += r;
    }
    return n;
  }

  /** Base of both directions: serves the current output frame byte by byte or in blocks. */
  private abstract static class Framed extends InputStream {
    private byte[] out = new byte[0];
    private int pos;
    private boolean done;

    /** The next block of output, or null at the end. */
    abstract byte[] next() throws IOException;

    private boolean fill() throws IOException {
      while (pos >= out.length) {
        if (done) {
          return false;
        }
        byte[] b = next();
        if (b == null) {
          done = true;
          return false;
        }
        out = b;
        pos = 0;
      }
      return true;
    }

    @Override
    public int read() throws IOException {
      return fill() ? out[pos++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (!fill()) {
        return -1;
      }
      int n = Math.min(len, out.length - pos);
      System.arraycopy(out, pos, b, off, n);
      pos += n;
      return n;
    }
  }

  private static final class Encrypting extends Framed {
    private final InputStream plain;
    private final SecretKey key;
    private final UUID backupId;
    private final byte[] buf = new byte[CHUNK];
    private byte[] pending; // one chunk read ahead, to know which chunk is last
    private int pendingLength = -1;
    private long index;
    private boolean headerSent;
    private boolean finished;

    Encrypting(InputStream plain, SecretKey key, UUID backupId) {
      this.plain = plain;
      this.key = key;
      this.backupId = backupId;
    }

    @Override
    byte[] next() throws IOException {
      if (!headerSent) {
        headerSent = true;
        pending = new byte[CHUNK];
        pendingLength = readFully(plain, pending);
        return MAGIC;
      }
      if (finished) {
        return null;
      }
      int n = pendingLength == CHUNK ? readFully(plain, buf) : 0;
      boolean last = pendingLength < CHUNK || n == 0;
      byte[] frame = seal(pending, pendingLength, last);
      if (last) {
        finished = true;
      } else {
        System.arraycopy(buf, 0, pending, 0, n);
        pendingLength = n;
      }
      return frame;
    }

    private byte[] seal(byte[] data, int length, boolean last) throws IOException {
      try {
        byte[] sealed =
            cipher(Cipher.ENCRYPT_MODE, key, backupId, index++, last).doFinal(data, 0, length);
        return ByteBuffer.allocate(4 + sealed.length).putInt(sealed.length).put(sealed).array();
      } catch (GeneralSecurityException e) {
        throw new IOException("AES-GCM failed", e);
      }
    }

    @Override
    public void close() throws IOException {
      plain.close();
    }
  }

  private static final class Decrypting extends Framed {
    private final DataInputStream sealed;
    private final SecretKey key;
    private final UUID backupId;
    private long index;
    private boolean headerRead;
    private boolean sawLast;

    Decrypting(InputStream sealed, SecretKey key, UUID backupId) {
      this.sealed = new DataInputStream(sealed);
      this.key = key;
      this.backupId = backupId;
    }

    @Override
    byte[] next() throws IOException {
      if (!headerRead) {
        byte[] magic = new byte[MAGIC.length];
        if (readFully(sealed, magic) != MAGIC.length || !Arrays.equals(magic, MAGIC)) {
          throw new IOException("not an encrypted backup (bad header)");
        }
        headerRead = true;
      }
      if (sawLast) {
        if (sealed.read() >= 0) {
          throw new IOException("encrypted backup has data after its last chunk");
        }
        return null;
      }
      int length;
      try {
        length = sealed.readInt();
      } catch (EOFException e) {
        throw new IOException("encrypted backup is cut short (no last chunk)");
      }
      if (length < TAG_BITS / 8 || length > CHUNK + TAG_BITS / 8) {
        throw new IOException("encrypted backup has a malformed chunk");
      }
      byte[] frame = new byte[length];
      if (readFully(sealed, frame) != length) {
        throw new IOException("encrypted backup is cut short");
      }
      // A chunk opens either as a middle chunk or as the last one.
      for (boolean last : new boolean[] {false, true}) {
        try {
          byte[] plain = cipher(Cipher.DECRYPT_MODE, key, backupId, index, last).doFinal(frame);
          index++;
          sawLast = last;
          return plain;
        } catch (AEADBadTagException tryOther) {
          // fall through
        } catch (GeneralSecurityException e) {
          throw new IOException("AES-GCM failed", e);
        }
      }
      throw new IOException("encrypted backup chunk " + index + " does not authenticate");
    }

    @Override
    public void close() throws IOException {
      sealed.close();
    }
  }

  /** Encrypts a small byte array (tests). */
  static byte[] encryptAll(byte[] plain, byte[] key, UUID backupId) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    encrypting(new java.io.ByteArrayInputStream(plain), key, backupId).transferTo(out);
    return out.toByteArray();
  }
}
