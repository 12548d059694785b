package dev.signet.server.auth;

/**
 * A node-name pattern of a provisioner grant: {@code *} is any run and {@code ?} any one character,
 * and neither ever matches a dot, so {@code cp-*} does not match {@code cp-1.bank.example}.
 *
 * <p>Matched label by label with the two-pointer wildcard algorithm, in time proportional to the
 * pattern's length times the name's at worst. A regular expression built from the pattern
 * backtracks exponentially on a pattern with many stars and a name that almost matches (Jazzer
 * found {@code *a*a*a...} hanging the check), and the name comes from the caller.
 */
record NodeNameGlob(String pattern) {
  boolean matches(String name) {
    String[] patternLabels = pattern.split("\\.", -1);
    String[] nameLabels = name.split("\\.", -1);
    if (patternLabels.length != nameLabels.length) {
      return false;
    }
    for (int i = 0; i < patternLabels.length; i++) {
      if (!matchesLabel(patternLabels[i], nameLabels[i])) {
        return false;
      }
    }
    return true;
  }

  /**
   * Within one label, so a star may take any character; on a miss, the last star takes one more.
   */
  private static boolean matchesLabel(String pattern, String label) {
    int p = 0;
    int l = 0;
    int star = -1;
    int starTook = 0;
    while (l < label.length()) {
      if (p < pattern.length() && pattern.charAt(p) == '*') {
        star = p++;
        starTook = l;
      } else if (p < pattern.length()
          && (pattern.charAt(p) == '?' || pattern.charAt(p) == label.charAt(l))) {
        p++;
        l++;
      } else if (star >= 0) {
        p = star + 1;
        l = ++starTook;
      } else {
        return false;
      }
    }
    while (p < pattern.length() && pattern.charAt(p) == '*') {
      p++;
    }
    return p == pattern.length();
  }
}
