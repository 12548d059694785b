package dev.signet.server.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads, found by a small tokenizer (promtool is not
 * available): identifiers that are not functions or aggregations (followed by a parenthesis, or by
 * {@code by}/{@code without}), keywords, label names (inside braces, and in
 * by/without/on/ignoring/group lists) or parts of durations and numbers.
 */
public final class PromQl {
  private static final Pattern TOKEN =
      Pattern.compile(
          "\\s+|\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|\\{[^}]*\\}|\\[[^\\]]*\\]"
              + "|\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?(?:ms|[smhdwy])?|[a-zA-Z_:][a-zA-Z0-9_:]*"
              + "|[()]|[-+*/%^,]|[=!<>]=?|=~|!~");
  private static final Set<String> KEYWORDS =
      Set.of(
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "offset",
          "bool",
          "and",
          "or",
          "unless",
          "inf",
          "nan",
          "Inf",
          "NaN");
  private static final Set<String> LABEL_LISTS =
      Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

  private PromQl() {}

  public static Set<String> metricNames(String expression) {
    List<String> tokens = new ArrayList<>();
    Matcher matcher = TOKEN.matcher(expression);
    int at = 0;
    while (at < expression.length()) {
      if (!matcher.find(at) || matcher.start() != at) {
        throw new AssertionError(
            "cannot tokenize PromQL at '" + expression.substring(at) + "' in: " + expression);
      }
      if (!matcher.group().isBlank()) {
        tokens.add(matcher.group());
      }
      at = matcher.end();
    }
    Set<String> names = new TreeSet<>();
    for (int i = 0; i < tokens.size(); i++) {
      String token = tokens.get(i);
      if (LABEL_LISTS.contains(token) && i + 1 < tokens.size() && tokens.get(i + 1).equals("(")) {
        i = indexOfClose(tokens, i + 1);
        continue;
      }
      boolean identifier = token.matches("[a-zA-Z_:][a-zA-Z0-9_:]*");
      String next = i + 1 < tokens.size() ? tokens.get(i + 1) : "";
      // a function or aggregation: f(...), or sum by (...) (...)
      boolean call = next.equals("(") || next.equals("by") || next.equals("without");
      if (identifier && !call && !KEYWORDS.contains(token)) {
        names.add(token);
      }
    }
    return names;
  }

  private static int indexOfClose(List<String> tokens, int open) {
    for (int i = open; i < tokens.size(); i++) {
      if (tokens.get(i).equals(")")) {
        return i;
      }
    }
    throw new AssertionError("an unclosed label list in " + tokens);
  }
}
