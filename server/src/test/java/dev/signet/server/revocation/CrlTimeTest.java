package dev.signet.server.revocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.signet.server.x509.X509;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.bouncycastle.asn1.ASN1GeneralizedTime;
import org.bouncycastle.asn1.ASN1UTCTime;
import org.bouncycastle.asn1.x509.Time;
import org.junit.jupiter.api.Test;

/** The dates of a CRL as RFC 5280 §5.1.2.4 wants them, the same as BouncyCastle's Time(Date). */
class CrlTimeTest {
  /** The characters of the encoded time, after its tag and length. */
  private static String content(Time time) {
    byte[] der = X509.der(time.toASN1Primitive());
    return new String(der, 2, der.length - 2, StandardCharsets.US_ASCII);
  }

  private static void assertUtcTime(String expected, Instant instant) {
    Time time = CrlPublisher.time(instant);
    assertInstanceOf(ASN1UTCTime.class, time.toASN1Primitive());
    assertEquals(expected, content(time));
    assertEquals(new Time(java.util.Date.from(instant)), time);
  }

  private static void assertGeneralizedTime(String expected, Instant instant) {
    Time time = CrlPublisher.time(instant);
    assertInstanceOf(ASN1GeneralizedTime.class, time.toASN1Primitive());
    assertEquals(expected, content(time));
    assertEquals(new Time(java.util.Date.from(instant)), time);
  }

  @Test
  void utcTimeFrom1950Through2049InWholeSeconds() {
    assertUtcTime("500101000000Z", Instant.parse("1950-01-01T00:00:00Z"));
    assertUtcTime("991231235959Z", Instant.parse("1999-12-31T23:59:59.999Z"));
    assertUtcTime("261206094800Z", Instant.parse("2026-12-06T09:48:00.123456Z"));
    assertUtcTime("491231235959Z", Instant.parse("2049-12-31T23:59:59.999Z"));
  }

  @Test
  void generalizedTimeBefore1950AndFrom2050() {
    assertGeneralizedTime("20500101000000Z", Instant.parse("2050-01-01T00:00:00Z"));
    assertGeneralizedTime("19491231235959Z", Instant.parse("1949-12-31T23:59:59Z"));
  }
}
