package dev.signet.server.keystore.pkcs11;

import dev.signet.server.keystore.Pkcs11Uri;
import dev.signet.server.keystore.TokenException;

/** The token rejected the PIN. Signet never retries: real HSMs lock a PIN after a few failures. */
public final class WrongPinException extends TokenException {
  public WrongPinException(Pkcs11Uri token) {
    super(
        "token "
            + token
            + " rejected the PIN (CKR_PIN_INCORRECT). Signet made exactly one login attempt and"
            + " will not retry, so that a hardware token does not lock the PIN; check hsm.pin",
        null);
  }
}
