package io.meshplane.loadtest;

import java.util.Arrays;

/** {@code ./meshplane bench <scenario> [options]}: runs one benchmark scenario and writes its report. */
public final class Bench {

  private Bench() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || !args[0].equals("failover")) {
      System.err.println("usage: ./meshplane bench failover [--proxies N] [--services N] [--per-proxy N]"
          + (args.length == 0 ? "" : "; unknown scenario '" + args[0] + "', expected: failover"));
      System.exit(2);
    }
    FailoverBench.main(Arrays.copyOfRange(args, 1, args.length));
  }
}
