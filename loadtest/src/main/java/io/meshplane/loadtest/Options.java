package io.meshplane.loadtest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --name value} options of a scenario, checked against the names it knows, with defaults.
 * A bad name or value throws {@link Bad}, whose message says what was expected.
 */
final class Options {

  /** A bad option: the message names it and what was expected. */
  static final class Bad extends RuntimeException {
    Bad(String message) {
      super(message);
    }
  }

  private final Map<String, String> values;

  private Options(Map<String, String> values) {
    this.values = values;
  }

  static Options parse(List<String> args, Map<String, String> defaults) {
    Map<String, String> values = new LinkedHashMap<>(defaults);
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (!a.startsWith("--") || !defaults.containsKey(a.substring(2))) {
        throw new Bad("unknown option '" + a + "'");
      }
      if (i + 1 >= args.size()) {
        throw new Bad("option " + a + " needs a value");
      }
      values.put(a.substring(2), args.get(++i));
    }
    return new Options(values);
  }

  /** The value as given. */
  String text(String name) {
    return values.get(name);
  }

  int positiveInt(String name) {
    try {
      int v = Integer.parseInt(values.get(name));
      if (v >= 1) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new Bad("--" + name + " expects a whole number >= 1, got '" + values.get(name) + "'");
  }

  double positiveDouble(String name) {
    try {
      double v = Double.parseDouble(values.get(name));
      if (v > 0 && Double.isFinite(v)) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new Bad("--" + name + " expects a number > 0, got '" + values.get(name) + "'");
  }

  /** A comma-separated list of whole numbers >= 1. */
  List<Integer> intList(String name) {
    try {
      List<Integer> list = java.util.Arrays.stream(values.get(name).split(",")).map(String::trim)
          .map(Integer::parseInt).toList();
      if (!list.isEmpty() && list.stream().allMatch(v -> v >= 1)) {
        return list;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new Bad("--" + name + " expects whole numbers >= 1 separated by commas, got '" + values.get(name) + "'");
  }

  /** {@code key=value,key=value}. */
  Map<String, String> map(String name) {
    Map<String, String> map = new LinkedHashMap<>();
    for (String pair : values.get(name).split(",")) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new Bad("--" + name + " expects KEY=VALUE pairs separated by commas, got '" + values.get(name) + "'");
      }
      map.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
    }
    return map;
  }
}
