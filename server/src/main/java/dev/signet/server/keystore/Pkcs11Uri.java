package dev.signet.server.keystore;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A PKCS#11 URI (RFC 7512) naming a token or an object in it, such as {@code
 * pkcs11:token=signet;object=kubernetes-ca}. Signet reads the token-matching attributes ({@code
 * token}, {@code serial}, {@code manufacturer}, {@code model}) and {@code object}. It takes no
 * query attributes: the PIN comes from {@code hsm.pin} (a file or an environment variable) and
 * never from a URI, where it would end up in configuration files and logs.
 */
public final class Pkcs11Uri {
  private static final Set<String> PATH_ATTRIBUTES =
      Set.of("token", "serial", "manufacturer", "model", "object");

  private final Map<String, String> path;

  private Pkcs11Uri(Map<String, String> path) {
    this.path = path;
  }

  /** Parses a URI; the message of the exception says what is wrong with it. */
  public static Pkcs11Uri parse(String uri) {
    if (!uri.startsWith("pkcs11:")) {
      throw new IllegalArgumentException("must be a PKCS#11 URI starting with 'pkcs11:'");
    }
    String rest = uri.substring("pkcs11:".length());
    String query = "";
    int question = rest.indexOf('?');
    if (question >= 0) {
      query = rest.substring(question + 1);
      rest = rest.substring(0, question);
    }
    Map<String, String> path = new LinkedHashMap<>();
    for (String attribute : split(rest, ';')) {
      int equals = attribute.indexOf('=');
      if (equals <= 0) {
        throw new IllegalArgumentException("attribute '" + attribute + "' has no name=value form");
      }
      String name = attribute.substring(0, equals);
      if (name.startsWith("pin-")) {
        throw new IllegalArgumentException(
            name + " is not accepted: give the PIN through hsm.pin (file: or env:)");
      }
      if (!PATH_ATTRIBUTES.contains(name)) {
        throw new IllegalArgumentException(
            "unknown attribute '" + name + "'; Signet understands " + PATH_ATTRIBUTES);
      }
      if (path.put(name, decode(attribute.substring(equals + 1))) != null) {
        throw new IllegalArgumentException("attribute '" + name + "' appears twice");
      }
    }
    for (String attribute : split(query, '&')) {
      String name = attribute.contains("=") ? attribute.substring(0, attribute.indexOf('=')) : "";
      if (name.equals("pin-value")) {
        throw new IllegalArgumentException(
            "pin-value is not accepted: give the PIN through hsm.pin (file: or env:)");
      }
      throw new IllegalArgumentException(
          "query attribute '"
              + name
              + "' is not supported: give the PIN through hsm.pin and"
              + " the module through hsm.library");
    }
    if (!path.containsKey("token") && !path.containsKey("serial")) {
      throw new IllegalArgumentException("must name the token, e.g. pkcs11:token=signet");
    }
    return new Pkcs11Uri(path);
  }

  /** A URI naming one object of this token. */
  public Pkcs11Uri withObject(String label) {
    Map<String, String> copy = new LinkedHashMap<>(path);
    copy.put("object", label);
    return new Pkcs11Uri(copy);
  }

  /** The token part of this URI, without the object. */
  public Pkcs11Uri tokenOnly() {
    Map<String, String> copy = new LinkedHashMap<>(path);
    copy.remove("object");
    return new Pkcs11Uri(copy);
  }

  public Optional<String> token() {
    return Optional.ofNullable(path.get("token"));
  }

  public Optional<String> object() {
    return Optional.ofNullable(path.get("object"));
  }

  /**
   * Whether a token with these identifying fields is the one this URI names. Fields the URI leaves
   * out match anything.
   */
  public boolean matchesToken(String label, String serial, String manufacturer, String model) {
    return matches("token", label)
        && matches("serial", serial)
        && matches("manufacturer", manufacturer)
        && matches("model", model);
  }

  /** Whether both URIs name the same token (compared on the token attributes only). */
  public boolean sameToken(Pkcs11Uri other) {
    return tokenOnly().path.equals(other.tokenOnly().path);
  }

  private boolean matches(String attribute, String value) {
    String wanted = path.get(attribute);
    return wanted == null || wanted.equals(value);
  }

  private static String[] split(String text, char separator) {
    return text.isEmpty()
        ? new String[0]
        : text.split(java.util.regex.Pattern.quote(String.valueOf(separator)), -1);
  }

  private static String decode(String value) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '%') {
        if (i + 2 >= value.length()
            || Character.digit(value.charAt(i + 1), 16) < 0
            || Character.digit(value.charAt(i + 2), 16) < 0) {
          throw new IllegalArgumentException(
              "'%' must be followed by two hex digits in '" + value + "'");
        }
        bytes.write(
            Character.digit(value.charAt(i + 1), 16) * 16
                + Character.digit(value.charAt(i + 2), 16));
        i += 2;
      } else {
        bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static String encode(String value) {
    StringBuilder out = new StringBuilder();
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || "-._~:[]@!$'()*+,".indexOf(c) >= 0) {
        out.append(c);
      } else {
        out.append(String.format("%%%02X", (int) c));
      }
    }
    return out.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Pkcs11Uri other && path.equals(other.path);
  }

  @Override
  public int hashCode() {
    return path.hashCode();
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder("pkcs11:");
    String separator = "";
    for (Map.Entry<String, String> attribute : path.entrySet()) {
      out.append(separator)
          .append(attribute.getKey())
          .append('=')
          .append(encode(attribute.getValue()));
      separator = ";";
    }
    return out.toString();
  }
}
