package io.meshplane.cli;

import java.util.List;

/** Aligned plain-text columns for the CLI's tables: each column as wide as its widest cell. */
final class TextTable {

  private TextTable() {}

  /** The rows (the first is the header), two spaces between columns, one line each. */
  static String render(List<String[]> rows) {
    int[] width = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    StringBuilder b = new StringBuilder();
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        b.append(i == row.length - 1 ? row[i] : String.format("%-" + (width[i] + 2) + "s", row[i]));
      }
      b.append('\n');
    }
    return b.toString();
  }
}
