package io.meshplane.loadtest.baseline;

import static java.util.Objects.requireNonNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The command line of {@link BaselineControlPlane}: {@code --kubeconfig FILE --xds-port N
 * [--admin-port N] [--exit-with-parent]}. Immutable.
 *
 * @param adminPort 0 when no admin HTTP server is wanted
 */
public record BaselineArgs(Path kubeconfig, int xdsPort, int adminPort, boolean exitWithParent) {

  public static final String USAGE =
      "usage: BaselineControlPlane --kubeconfig FILE --xds-port N [--admin-port N] [--exit-with-parent]";

  public BaselineArgs {
    requireNonNull(kubeconfig, "kubeconfig");
    if (xdsPort < 1 || xdsPort > 65535) {
      throw new IllegalArgumentException("xdsPort must be 1-65535, was " + xdsPort);
    }
    if (adminPort < 0 || adminPort > 65535) {
      throw new IllegalArgumentException("adminPort must be 0-65535, was " + adminPort);
    }
  }

  /** A command-line mistake; the message says what was expected. */
  public static final class BadArgumentsException extends Exception {
    private static final long serialVersionUID = 1L;

    BadArgumentsException(String message) {
      super(message);
    }
  }

  /**
   * Parses the command line.
   *
   * @throws BadArgumentsException naming the flag and the expected form
   */
  public static BaselineArgs parse(List<String> args) throws BadArgumentsException {
    Path kubeconfig = null;
    int xdsPort = 0;
    int adminPort = 0;
    boolean exitWithParent = false;
    for (int i = 0; i < args.size(); i++) {
      String flag = args.get(i);
      switch (flag) {
        case "--kubeconfig" -> {
          kubeconfig = Path.of(value(args, i++));
          if (!Files.isReadable(kubeconfig)) {
            throw new BadArgumentsException("--kubeconfig " + kubeconfig + ": no readable file there; expected a kubeconfig");
          }
        }
        case "--xds-port" -> xdsPort = port(flag, value(args, i++));
        case "--admin-port" -> adminPort = port(flag, value(args, i++));
        case "--exit-with-parent" -> exitWithParent = true;
        default -> throw new BadArgumentsException("unknown argument '" + flag + "'");
      }
    }
    if (kubeconfig == null) {
      throw new BadArgumentsException("--kubeconfig is required");
    }
    if (xdsPort == 0) {
      throw new BadArgumentsException("--xds-port is required");
    }
    if (xdsPort == adminPort) {
      throw new BadArgumentsException("--xds-port and --admin-port are both " + xdsPort + "; expected two ports");
    }
    return new BaselineArgs(kubeconfig, xdsPort, adminPort, exitWithParent);
  }

  private static String value(List<String> args, int flagIndex) throws BadArgumentsException {
    if (flagIndex + 1 >= args.size() || args.get(flagIndex + 1).startsWith("--")) {
      throw new BadArgumentsException(args.get(flagIndex) + " needs a value");
    }
    return args.get(flagIndex + 1);
  }

  private static int port(String flag, String text) throws BadArgumentsException {
    try {
      int port = Integer.parseInt(text);
      if (port >= 1 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below with the expected form
    }
    throw new BadArgumentsException(flag + " is '" + text + "'; expected a port number 1-65535");
  }
}
