package io.meshplane.demo;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshplane demo endpoints [list|add|remove] [greeter-N]}: registers and deregisters the
 * running demo's backends in its EndpointSlice, through the demo's Kubernetes API as found in
 * {@code <dir>/demo.json}. The demo's client shows the change within about a second. Exit codes:
 * 0 done (also when nothing needed to change), 1 the demo cannot be reached, 2 bad usage.
 */
@Command(name = "endpoints", mixinStandardHelpOptions = true,
    description = "Lists, adds or removes a greeter backend in the running demo's EndpointSlice "
        + DemoWorkloads.SLICE + ".")
public final class DemoEndpointsCommand implements Callable<Integer> {

  /** The default demo directory, relative to the working directory. */
  public static final String DEFAULT_DIR = ".meshplane/demo";
  private static final List<String> ACTIONS = List.of("list", "add", "remove");

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", defaultValue = "list", paramLabel = "ACTION",
      description = "list (default), add or remove.")
  String action;

  @Parameters(index = "1", arity = "0..1", paramLabel = "BACKEND",
      description = "The backend to add or remove, for example greeter-3.")
  String backend;

  @Option(names = "--dir", paramLabel = "DIR", defaultValue = DEFAULT_DIR,
      description = "Directory of the running demo (default: ${DEFAULT-VALUE}).")
  Path dir;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (!ACTIONS.contains(action)) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "unknown action '" + action + "'; expected one of " + ACTIONS);
    }
    DemoInfo info;
    try {
      info = DemoInfo.read(dir);
    } catch (IOException | RuntimeException e) {
      spec.commandLine().getErr().println("meshplane demo endpoints: cannot read the demo's " + DemoInfo.FILE
          + " in " + dir.toAbsolutePath() + " (" + e.getMessage() + "); is a demo running there? "
          + "Start one with: ./meshplane demo" + (DEFAULT_DIR.equals(dir.toString()) ? "" : " --dir " + dir));
      return 1;
    }
    DemoInfo.Backend target = "list".equals(action) ? null : backend(info);
    if (!ProcessHandle.of(info.pid()).map(ProcessHandle::isAlive).orElse(false)) {
      spec.commandLine().getErr().println("meshplane demo endpoints: the demo that wrote " + dir.resolve(DemoInfo.FILE)
          + " (pid " + info.pid() + ") is no longer running; start one with: ./meshplane demo"
          + (DEFAULT_DIR.equals(dir.toString()) ? "" : " --dir " + dir));
      return 1;
    }
    try (KubernetesClient kube = SimulatedCluster.client(info.kubernetesApi())) {
      EndpointSliceEditor slice = new EndpointSliceEditor(kube);
      if ("add".equals(action)) {
        out.println(slice.add(target) ? "added " + describe(target) + " to " + sliceName()
            : describe(target) + " is already in " + sliceName());
      } else if ("remove".equals(action)) {
        out.println(slice.remove(target) ? "removed " + describe(target) + " from " + sliceName()
            : describe(target) + " is not in " + sliceName());
      }
      print(out, info, slice.addresses());
      return 0;
    } catch (KubernetesClientException | IllegalStateException e) {
      spec.commandLine().getErr().println("meshplane demo endpoints: the demo's Kubernetes API at "
          + info.kubernetesApi() + " did not answer as expected (" + e.getMessage() + "); is the demo still running?");
      return 1;
    }
  }

  private DemoInfo.Backend backend(DemoInfo info) {
    String names = info.backends().stream().map(DemoInfo.Backend::name).collect(Collectors.joining(", "));
    if (backend == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), action + " needs a backend; expected one of "
          + names);
    }
    return info.backend(backend).orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(),
        "unknown backend '" + backend + "'; expected one of " + names));
  }

  private static void print(PrintWriter out, DemoInfo info, List<String> addresses) {
    out.println(sliceName() + " lists " + addresses.size() + " address" + (addresses.size() == 1 ? "" : "es") + ":");
    for (String address : addresses) {
      out.println("  " + address + "  " + info.backendAt(address).map(DemoInfo.Backend::name).orElse("(not a demo backend)"));
    }
    String unregistered = info.backends().stream().filter(b -> !addresses.contains(b.address()))
        .map(DemoEndpointsCommand::describe).collect(Collectors.joining(", "));
    if (!unregistered.isEmpty()) {
      out.println("running but not registered: " + unregistered);
    }
  }

  private static String describe(DemoInfo.Backend b) {
    return b.name() + " (" + b.address() + ")";
  }

  private static String sliceName() {
    return "EndpointSlice " + DemoWorkloads.NAMESPACE + "/" + DemoWorkloads.SLICE;
  }
}
