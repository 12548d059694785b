package dev.signet.server.ca;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.signet.common.KeyAlgorithm;
import dev.signet.server.keystore.pkcs11.Pkcs11KeyStore;
import dev.signet.server.testing.InProcessToken;
import dev.signet.server.testing.TokenAttributes;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import sun.security.pkcs11.wrapper.PKCS11Constants;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * CA keys made by Signet cannot be read out of the token: the token marks them sensitive and never
 * extractable and refuses to return their secret value to any PKCS#11 caller (and {@code
 * SigningKey}, all Signet holds of a key, has no way to ask).
 */
class TokenKeysIT {
  /** PKCS#11 v2.40 return value; the JDK wrapper names few of them. */
  private static final long CKR_ATTRIBUTE_SENSITIVE = 0x11;

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void caPrivateKeysCannotLeaveTheToken(KeyAlgorithm algorithm) throws Exception {
    String label = "keys-" + algorithm.id();
    try (Pkcs11KeyStore store = InProcessToken.open();
        TokenAttributes token =
            TokenAttributes.open(InProcessToken.LIBRARY, InProcessToken.LABEL)) {
      new CaSetup(store, Clock.systemUTC(), new SecureRandom())
          .ensure(
              Map.of(label, CaSetup.KeySpec.ca("test-ca")),
              algorithm,
              Duration.ofDays(30),
              Duration.ZERO);

      assertEquals(true, token.privateKey(label, PKCS11Constants.CKA_TOKEN));
      assertEquals(true, token.privateKey(label, PKCS11Constants.CKA_SENSITIVE));
      assertEquals(true, token.privateKey(label, PKCS11Constants.CKA_ALWAYS_SENSITIVE));
      assertEquals(false, token.privateKey(label, PKCS11Constants.CKA_EXTRACTABLE));
      assertEquals(true, token.privateKey(label, PKCS11Constants.CKA_NEVER_EXTRACTABLE));
      assertEquals(true, token.privateKey(label, PKCS11Constants.CKA_SIGN));
      assertEquals(false, token.privateKey(label, PKCS11Constants.CKA_DECRYPT));
      assertEquals(false, token.privateKey(label, PKCS11Constants.CKA_UNWRAP));

      long secret =
          algorithm.isEc() ? PKCS11Constants.CKA_VALUE : PKCS11Constants.CKA_PRIVATE_EXPONENT;
      PKCS11Exception refused =
          assertThrows(PKCS11Exception.class, () -> token.privateKey(label, secret));
      assertEquals(CKR_ATTRIBUTE_SENSITIVE, refused.getErrorCode(), refused.getMessage());
    }
  }

  @Test
  void theLedgerSealKeyCannotLeaveTheToken() throws Exception {
    String label = "seal-" + System.nanoTime();
    try (Pkcs11KeyStore store = InProcessToken.open();
        TokenAttributes token =
            TokenAttributes.open(InProcessToken.LIBRARY, InProcessToken.LABEL)) {
      store.generateMacKey(label);

      assertEquals(true, token.secretKey(label, PKCS11Constants.CKA_TOKEN));
      assertEquals(true, token.secretKey(label, PKCS11Constants.CKA_SENSITIVE));
      assertEquals(true, token.secretKey(label, PKCS11Constants.CKA_ALWAYS_SENSITIVE));
      assertEquals(false, token.secretKey(label, PKCS11Constants.CKA_EXTRACTABLE));
      assertEquals(true, token.secretKey(label, PKCS11Constants.CKA_NEVER_EXTRACTABLE));
      assertEquals(true, token.secretKey(label, PKCS11Constants.CKA_SIGN));
      assertEquals(false, token.secretKey(label, PKCS11Constants.CKA_ENCRYPT));
      assertEquals(false, token.secretKey(label, PKCS11Constants.CKA_WRAP));
      assertEquals(false, token.secretKey(label, PKCS11Constants.CKA_DERIVE));
      PKCS11Exception refused =
          assertThrows(
              PKCS11Exception.class, () -> token.secretKey(label, PKCS11Constants.CKA_VALUE));
      assertEquals(CKR_ATTRIBUTE_SENSITIVE, refused.getErrorCode(), refused.getMessage());
    }
  }
}
