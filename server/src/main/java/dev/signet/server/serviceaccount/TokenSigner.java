package dev.signet.server.serviceaccount;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.google.common.util.concurrent.RateLimiter;
import dev.signet.common.KeyAlgorithm;
import dev.signet.server.keystore.SigningException;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Sequence;

/**
 * Signs service-account tokens for kube-apiserver (ExternalJWTSigner.Sign): it receives the claims
 * already base64url-encoded and signs {@code header + "." + claims} exactly as received, with the
 * active key in the token; the header carries only {@code alg}, {@code kid} and {@code typ}. ECDSA
 * signatures are returned as JWS wants them, r and s side by side (RFC 7518 §3.4), not the DER the
 * token produces.
 *
 * <p>Whoever reaches the socket can ask for any claims, so the claims are checked before the token
 * signs: unpadded base64url of one JSON object without duplicate names, with an {@code exp} no
 * further away than {@code maxTokenExpiration} (what Metadata tells kube-apiserver; a minute of
 * clock skew allowed). That bound is also what makes retiring a rotated key safe: its tokens have
 * all expired {@code maxTokenExpiration} after it stopped signing. Signatures are rate-limited.
 */
public final class TokenSigner {
  /** Claims beyond this are not a service-account token kube-apiserver would make. */
  static final int MAX_CLAIMS_LENGTH = 16 * 1024;

  private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]+");
  private static final Duration CLOCK_SKEW = Duration.ofMinutes(1);
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

  /** A signed token's header and signature, each base64url without padding. */
  public record Signed(String header, String signature) {}

  private final Supplier<KeySet> keys;
  private final Duration maxTokenExpiration;
  private final RateLimiter rate;
  private final SigningActivity activity;
  private final Clock clock;

  public TokenSigner(
      Supplier<KeySet> keys,
      Duration maxTokenExpiration,
      int maxSignsPerSecond,
      SigningActivity activity,
      Clock clock) {
    this.keys = keys;
    this.maxTokenExpiration = maxTokenExpiration;
    this.rate = RateLimiter.create(maxSignsPerSecond);
    this.activity = activity;
    this.clock = clock;
  }

  /** The longest token lifetime signed, which Metadata announces. */
  public Duration maxTokenExpiration() {
    return maxTokenExpiration;
  }

  /** Signs {@code claims} (the JWT's second segment) with the active key. */
  public Signed sign(String claims) throws SigningRefused {
    try {
      checkClaims(claims);
      if (!rate.tryAcquire()) {
        throw new SigningRefused(
            SigningRefused.Reason.RATE_LIMITED,
            "more than " + (long) rate.getRate() + " tokens per second; retry shortly",
            null);
      }
      KeySet.Generation key = keys.get().signing();
      String header = key.encodedHeader();
      byte[] input = (header + "." + claims).getBytes(StandardCharsets.US_ASCII);
      byte[] signature;
      try {
        signature = key.signer().orElseThrow().sign(input);
      } catch (SigningException e) {
        throw new SigningRefused(
            e.busy() ? SigningRefused.Reason.BUSY : SigningRefused.Reason.TOKEN_UNAVAILABLE,
            e.busy()
                ? "the token is busy; retry shortly"
                : "the token is unavailable; nothing was signed",
            e);
      }
      activity.countSigned(key.keyId());
      return new Signed(
          header,
          Base64.getUrlEncoder().withoutPadding().encodeToString(jws(signature, key.algorithm())));
    } catch (SigningRefused refused) {
      activity.countRefused(refused.reason());
      throw refused;
    }
  }

  private void checkClaims(String claims) throws SigningRefused {
    if (claims.isEmpty() || claims.length() > MAX_CLAIMS_LENGTH) {
      throw invalid("claims must be 1 to " + MAX_CLAIMS_LENGTH + " characters");
    }
    if (!BASE64URL.matcher(claims).matches()) {
      throw invalid("claims must be base64url without padding, as the JWT's second segment");
    }
    JsonNode payload;
    try {
      payload = JSON.readTree(Base64.getUrlDecoder().decode(claims));
    } catch (IllegalArgumentException | IOException e) {
      throw invalid("claims do not decode to JSON");
    }
    if (payload == null || !payload.isObject()) {
      throw invalid("claims must be one JSON object");
    }
    JsonNode exp = payload.get("exp");
    if (exp == null || !exp.isNumber()) {
      throw invalid("claims carry no numeric exp: every service-account token expires");
    }
    BigDecimal latest =
        BigDecimal.valueOf(
            clock.instant().plus(maxTokenExpiration).plus(CLOCK_SKEW).getEpochSecond());
    if (exp.decimalValue().compareTo(latest) > 0) {
      throw invalid(
          "exp lies more than "
              + maxTokenExpiration.toSeconds()
              + " s ahead, the longest lifetime this signer announced in Metadata");
    }
  }

  private static SigningRefused invalid(String message) {
    return new SigningRefused(SigningRefused.Reason.INVALID_CLAIMS, message, null);
  }

  /**
   * The JWS form of a token signature: RSA's as it is; ECDSA's DER SEQUENCE of r and s as r and s
   * side by side, each the curve's size, big-endian.
   */
  static byte[] jws(byte[] signature, KeyAlgorithm algorithm) {
    if (algorithm.isRsa()) {
      return signature;
    }
    int size = (algorithm.bits() + 7) / 8;
    ASN1Sequence sequence = ASN1Sequence.getInstance(signature);
    byte[] out = new byte[2 * size];
    copyUnsigned(ASN1Integer.getInstance(sequence.getObjectAt(0)).getValue(), out, 0, size);
    copyUnsigned(ASN1Integer.getInstance(sequence.getObjectAt(1)).getValue(), out, size, size);
    return out;
  }

  private static void copyUnsigned(BigInteger value, byte[] out, int offset, int size) {
    if (value.signum() < 0 || value.bitLength() > 8 * size) {
      throw new IllegalArgumentException("an ECDSA signature component does not fit the curve");
    }
    byte[] bytes = value.toByteArray(); // big-endian, perhaps with a leading zero sign byte
    int length = Math.min(bytes.length, size);
    System.arraycopy(bytes, bytes.length - length, out, offset + size - length, length);
  }
}
