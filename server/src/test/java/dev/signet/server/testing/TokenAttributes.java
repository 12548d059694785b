package dev.signet.server.testing;

import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_CLASS;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_LABEL;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKF_OS_LOCKING_OK;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKF_SERIAL_SESSION;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKO_PRIVATE_KEY;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKO_SECRET_KEY;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;
import sun.security.pkcs11.wrapper.CK_C_INITIALIZE_ARGS;
import sun.security.pkcs11.wrapper.PKCS11;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * Reads attributes of a private or secret key in a token the way any PKCS#11 application could, to
 * show what the token says about Signet's keys and that it refuses to reveal their values
 * (CKR_ATTRIBUTE_SENSITIVE). Test-only: signetd never reads a private key attribute. Its session is
 * logged in when the JVM is (login is per application in PKCS#11).
 */
public final class TokenAttributes implements AutoCloseable {
  private final PKCS11 module;
  private final long session;

  private TokenAttributes(PKCS11 module, long session) {
    this.module = module;
    this.session = session;
  }

  /** A session with the token labelled {@code tokenLabel} in {@code library}. */
  public static TokenAttributes open(Path library, String tokenLabel) throws Exception {
    CK_C_INITIALIZE_ARGS arguments = new CK_C_INITIALIZE_ARGS();
    arguments.flags = CKF_OS_LOCKING_OK;
    PKCS11 module = PKCS11.getInstance(library.toString(), "C_GetFunctionList", arguments, false);
    for (long slot : module.C_GetSlotList(true)) {
      if (new String(module.C_GetTokenInfo(slot).label).strip().equals(tokenLabel)) {
        return new TokenAttributes(
            module, module.C_OpenSession(slot, CKF_SERIAL_SESSION, null, null));
      }
    }
    throw new IllegalArgumentException("no token labelled " + tokenLabel);
  }

  /** One attribute of the one private key labelled {@code label}: a Boolean or a byte array. */
  public Object privateKey(String label, long attribute) throws PKCS11Exception {
    return attribute(CKO_PRIVATE_KEY, label, attribute);
  }

  /** One attribute of the one secret key labelled {@code label}: a Boolean or a byte array. */
  public Object secretKey(String label, long attribute) throws PKCS11Exception {
    return attribute(CKO_SECRET_KEY, label, attribute);
  }

  private Object attribute(long objectClass, String label, long attribute) throws PKCS11Exception {
    List<Long> handles = new ArrayList<>();
    module.C_FindObjectsInit(
        session,
        new CK_ATTRIBUTE[] {
          new CK_ATTRIBUTE(CKA_CLASS, objectClass), new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray())
        });
    try {
      for (long handle : module.C_FindObjects(session, 16)) {
        handles.add(handle);
      }
    } finally {
      module.C_FindObjectsFinal(session);
    }
    if (handles.size() != 1) {
      throw new IllegalStateException(handles.size() + " keys labelled " + label);
    }
    CK_ATTRIBUTE[] query = {new CK_ATTRIBUTE(attribute)};
    module.C_GetAttributeValue(session, handles.get(0), query);
    return query[0].pValue;
  }

  @Override
  public void close() throws PKCS11Exception {
    module.C_CloseSession(session);
  }
}
