package com.taskifai.registry.crypto;

/** A ciphertext did not decrypt: it was altered, belongs to another context, or its key is gone. */
public class CredentialDecryptionException extends RuntimeException {
  public CredentialDecryptionException(String message) {
    super(message);
  }
}
