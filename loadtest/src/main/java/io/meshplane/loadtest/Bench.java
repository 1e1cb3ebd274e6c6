package io.meshplane.loadtest;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** {@code ./meshplane bench <scenario> [options]}: runs one benchmark scenario and writes its report. */
public final class Bench {

  private static final String SCENARIOS = "small, fleet, storm, scale, failover, multicluster, replication, regions";

  private Bench() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || !(args[0].equals("failover") || args[0].equals("multicluster")
        || args[0].equals("replication") || args[0].equals("regions")
        || LoadBench.SCENARIOS.contains(args[0]))) {
      System.err.println("usage: ./meshplane bench <scenario> [options], scenario one of: " + SCENARIOS
          + (args.length == 0 ? "" : "; unknown scenario '" + args[0] + "'"));
      System.exit(2);
    }
    List<String> rest = Arrays.asList(args).subList(1, args.length);
    if (args[0].equals("replication")) {
      io.meshplane.loadtest.regions.ReplicationBench.main(rest.toArray(String[]::new));
      return;
    }
    if (args[0].equals("regions")) {
      RegionsBench.main(rest.toArray(String[]::new));
      return;
    }
    if (args[0].equals("failover")) {
      FailoverBench.main(rest.toArray(String[]::new));
      return;
    }
    LoadBench.Outcome outcome;
    boolean multicluster = args[0].equals("multicluster");
    try {
      outcome = multicluster ? MulticlusterBench.run(rest, Path.of("loadtest", "target", "bench"))
          : LoadBench.run(args[0], rest, Path.of("loadtest", "target", "bench"));
    } catch (Options.Bad e) {
      System.err.println(e.getMessage() + "\n"
          + (multicluster ? MulticlusterBench.usage() : LoadBench.usage(args[0])));
      System.exit(2);
      return;
    } catch (Exception | Error e) {
      // Exit even so: the mock API servers' threads would keep the JVM (and the build lock) alive.
      System.err.println("bench " + args[0] + " failed: " + e);
      e.printStackTrace();
      System.exit(1);
      return;
    }
    boolean ok = outcome.ok();
    if (!ok) {
      System.err.println("bench " + args[0] + ": " + outcome.converged() + " of " + outcome.proxies()
          + " proxies converged, " + outcome.incompleteChanges() + " changes did not reach every subscriber"
          + (outcome.completed() ? "" : ", a phase timed out")
          + outcome.baseline().map(b -> "; baseline: " + b.converged() + " of " + b.proxies() + " converged, "
              + b.incompleteChanges() + " changes incomplete" + (b.completed() ? "" : ", a phase timed out or it "
              + "did not start")).orElse("") + " (see the report)");
    }
    System.exit(ok ? 0 : 1);
  }
}
