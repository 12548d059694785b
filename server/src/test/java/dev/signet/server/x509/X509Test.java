package dev.signet.server.x509;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.time.Instant;
import java.util.Date;
import java.util.Locale;
import org.bouncycastle.asn1.ASN1GeneralizedTime;
import org.bouncycastle.asn1.ASN1UTCTime;
import org.bouncycastle.asn1.x509.Time;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link X509#time} against BouncyCastle's own {@code Time(Date)}: the same DER on both sides of
 * RFC 5280's 2050 switch from UTCTime to GeneralizedTime, fractions of a second dropped, and the
 * instant read back unchanged.
 */
class X509Test {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "1950-01-01T00:00:00Z",
        "1999-12-31T23:59:59Z",
        "2026-12-06T23:33:42Z",
        "2049-12-31T23:59:59Z",
        "2050-01-01T00:00:00Z",
        "2126-02-28T12:00:01Z",
        "9999-12-31T23:59:59Z"
      })
  void encodesAsBouncyCastlesTimeFromADateDoes(String text) throws Exception {
    Instant instant = Instant.parse(text);
    Time ours = X509.time(instant.plusMillis(999));
    Time theirs = new Time(Date.from(instant), Locale.ROOT);
    assertArrayEquals(X509.der(theirs), X509.der(ours), text);
    assertEquals(instant, ours.getDate().toInstant(), text);
    Class<?> expected =
        instant.isBefore(Instant.parse("2050-01-01T00:00:00Z"))
            ? ASN1UTCTime.class
            : ASN1GeneralizedTime.class;
    assertInstanceOf(expected, ours.toASN1Primitive(), text);
  }
}
