package dev.signet.client.rpc;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The typed inputs of an issuance request, exactly as the user gave them; the manifest records them
 * so that a renewal asks for the same subject and names. Absent values are empty strings and lists,
 * never null, so that two requests compare equal when they ask for the same thing.
 */
public record Parameters(
    String nodeName,
    String advertiseAddress,
    String controlPlaneEndpoint,
    String serviceCidr,
    String dnsDomain,
    List<String> extraSans,
    List<String> addresses) {
  public static final Parameters NONE = new Parameters("", "", "", "", "", List.of(), List.of());

  public Parameters {
    nodeName = nullToEmpty(nodeName);
    advertiseAddress = nullToEmpty(advertiseAddress);
    controlPlaneEndpoint = nullToEmpty(controlPlaneEndpoint);
    serviceCidr = nullToEmpty(serviceCidr);
    dnsDomain = nullToEmpty(dnsDomain);
    extraSans = extraSans == null ? List.of() : List.copyOf(extraSans);
    addresses = addresses == null ? List.of() : List.copyOf(addresses);
  }

  public static Parameters node(String nodeName) {
    return new Parameters(nodeName, "", "", "", "", List.of(), List.of());
  }

  /** The non-empty values under the names the manifest uses. */
  public Map<String, Object> toMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    put(map, "nodeName", nodeName);
    put(map, "advertiseAddress", advertiseAddress);
    put(map, "controlPlaneEndpoint", controlPlaneEndpoint);
    put(map, "serviceCidr", serviceCidr);
    put(map, "dnsDomain", dnsDomain);
    if (!extraSans.isEmpty()) {
      map.put("extraSans", extraSans);
    }
    if (!addresses.isEmpty()) {
      map.put("addresses", addresses);
    }
    return map;
  }

  /** The inverse of {@link #toMap()}; unknown names are refused. */
  public static Parameters fromMap(Map<String, Object> map) {
    for (String name : map.keySet()) {
      if (!List.of(
              "nodeName",
              "advertiseAddress",
              "controlPlaneEndpoint",
              "serviceCidr",
              "dnsDomain",
              "extraSans",
              "addresses")
          .contains(name)) {
        throw new IllegalArgumentException("unknown parameter '" + name + "'");
      }
    }
    return new Parameters(
        string(map, "nodeName"),
        string(map, "advertiseAddress"),
        string(map, "controlPlaneEndpoint"),
        string(map, "serviceCidr"),
        string(map, "dnsDomain"),
        strings(map, "extraSans"),
        strings(map, "addresses"));
  }

  private static void put(Map<String, Object> map, String name, String value) {
    if (!value.isEmpty()) {
      map.put(name, value);
    }
  }

  private static String string(Map<String, Object> map, String name) {
    Object value = map.get(name);
    if (value != null && !(value instanceof String)) {
      throw new IllegalArgumentException("parameter '" + name + "' must be a string");
    }
    return (String) value;
  }

  private static List<String> strings(Map<String, Object> map, String name) {
    Object value = map.get(name);
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
      throw new IllegalArgumentException("parameter '" + name + "' must be a list of strings");
    }
    return list.stream().map(String.class::cast).toList();
  }

  private static String nullToEmpty(String value) {
    return value == null ? "" : value;
  }
}
