package dev.signet.client.node;

import java.util.List;

/** Tables as kubeadm prints them with Go's tabwriter, for check-expiration and agent status. */
public final class Table {
  private Table() {}

  /**
   * Rows (the first is the header) in columns at least 10 wide and 3 spaces apart; the last column
   * is not padded, so it may hold long text.
   */
  public static String columns(List<String[]> rows) {
    int[] widths = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int column = 0; column < row.length - 1; column++) {
        widths[column] = Math.max(widths[column], Math.max(10, row[column].length() + 3));
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int column = 0; column < row.length; column++) {
        line.append(column < row.length - 1 ? pad(row[column], widths[column]) : row[column]);
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    return out.toString();
  }

  private static String pad(String text, int width) {
    return text + " ".repeat(width - text.length());
  }
}
