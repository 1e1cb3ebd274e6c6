package io.meshplane.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshplane.config.NodeSettings;
import io.meshplane.model.InvalidInputException;
import io.meshplane.node.ControlPlaneNode;
import io.meshplane.node.ParentWatchdog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meshplane run}: one control-plane node. Settings come from flags, then
 * {@code MESHPLANE_*} environment variables, then a HOCON file ({@code --config}), then defaults.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Runs a control-plane node. Every flag can also be set as an environment variable "
        + "MESHPLANE_<FLAG> (for example MESHPLANE_XDS_PORT) or in a HOCON file under 'meshplane'.")
public final class RunCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(RunCommand.class);
  /** How long a node whose parent died gets to leave the cluster before it halts. */
  private static final long PARENT_GONE_GRACE_SECONDS = 30;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "HOCON file with a 'meshplane { ... }' section.")
  Path configFile;

  @Option(names = "--node-name", description = "This node's name (default host:xds-port).")
  String nodeName;

  @Option(names = "--cluster-id", description = "Id of the member cluster this node watches (default cluster-1).")
  String clusterId;

  @Option(names = "--network", description = "Default network of the cluster's workloads (default network-1).")
  String network;

  @Option(names = "--region", description = "Region of this node.")
  String region;

  @Option(names = "--regions", split = ",", paramLabel = "REGION",
      description = "Every region of a multi-region control plane, comma-separated (for example eu,us); "
          + "--region must be one of them. Default: one region.")
  List<String> regions;

  @Option(names = "--zone", description = "Zone of this node.")
  String zone;

  @Option(names = "--kubeconfig", paramLabel = "FILE",
      description = "Kubeconfig of the member cluster (default: in-cluster configuration).")
  String kubeconfig;

  @Option(names = "--bind-host", description = "Address the xDS and admin servers listen on (default 0.0.0.0).")
  String bindHost;

  @Option(names = "--xds-port", description = "ADS gRPC port (default 15010).")
  Integer xdsPort;

  @Option(names = "--admin-port", description = "Admin HTTP port: /metrics, /healthz, /readyz (default 15014).")
  Integer adminPort;

  @Option(names = "--admission-rate", paramLabel = "STREAMS_PER_SECOND",
      description = "New xDS streams admitted per second after a burst; the rest wait, never refused (default 1000).")
  Integer admissionRate;

  @Option(names = "--admission-burst", description = "New xDS streams admitted at once before the rate applies (default 100).")
  Integer admissionBurst;

  @Option(names = "--cassandra", paramLabel = "HOST:PORT[,HOST:PORT...]",
      description = "Cassandra contact points. Without them a local Cassandra is started (development only).")
  String cassandra;

  @Option(names = "--cassandra-dc", description = "Cassandra local data center (default datacenter1).")
  String cassandraDc;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Data directory of the embedded Cassandra (default .meshplane/cassandra).")
  String dataDir;

  @Option(names = "--cassandra-port", description = "CQL port of the embedded Cassandra (default 9042).")
  Integer cassandraPort;

  @Option(names = "--remoting-host", description = "Pekko cluster address of this node (default 127.0.0.1).")
  String remotingHost;

  @Option(names = "--remoting-port", description = "Pekko cluster port (default 0: any free port).")
  Integer remotingPort;

  @Option(names = "--seed-node", paramLabel = "pekko://meshplane@HOST:PORT",
      description = "A seed node of the Pekko cluster; repeatable. None: this node forms its own cluster.")
  List<String> seedNodes;

  @Option(names = "--join", paramLabel = "seed-nodes|bootstrap",
      description = "How this node joins the Pekko cluster: seed-nodes (the --seed-node list; default) or "
          + "bootstrap (Pekko Cluster Bootstrap through --discovery).")
  String join;

  @Option(names = "--discovery", paramLabel = "config|kubernetes-api",
      description = "With --join bootstrap, how nodes find each other: config (the --contact-point list; "
          + "default) or kubernetes-api (pods matching --pod-label-selector in this pod's namespace).")
  String discovery;

  @Option(names = "--contact-point", paramLabel = "HOST:PORT",
      description = "Management address of a node, for --discovery config; repeatable. List every node, "
          + "this one included.")
  List<String> contactPoints;

  @Option(names = "--required-contact-points", paramLabel = "N",
      description = "How many nodes bootstrap must find before a new cluster forms (default: all contact "
          + "points; required with kubernetes-api: the number of replicas).")
  Integer requiredContactPoints;

  @Option(names = "--management-port",
      description = "Pekko Management HTTP port, served with --join bootstrap (default 7626).")
  Integer managementPort;

  @Option(names = "--service-name", description = "Name under which bootstrap discovers the nodes (default meshplane).")
  String serviceName;

  @Option(names = "--pod-label-selector", paramLabel = "SELECTOR",
      description = "Label selector of the control plane's pods, for --discovery kubernetes-api; %%s stands for "
          + "the service name (default app=%%s).")
  String podLabelSelector;

  @Option(names = "--exit-with-parent",
      description = "Stop this node when the process that started it dies, even by SIGKILL, and ignore Ctrl-C "
          + "(SIGINT): the parent decides when the node stops. For nodes started by another program, such as "
          + "'meshplane demo'.")
  boolean exitWithParent;

  @Override
  public Integer call() {
    if (exitWithParent) {
      watchParent();
    }
    NodeSettings settings;
    Config config;
    try {
      config = resolveConfig(System.getenv());
      settings = NodeSettings.from(config);
    } catch (InvalidInputException e) {
      spec.commandLine().getErr().println("meshplane run: " + e.getMessage());
      return 2;
    }
    ControlPlaneNode node;
    try {
      node = ControlPlaneNode.start(settings, config);
    } catch (InvalidInputException e) {
      spec.commandLine().getErr().println("meshplane run: " + e.getMessage());
      return 2;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(node::close, "meshplane-shutdown"));
    node.awaitTermination();
    return 0;
  }

  /**
   * A terminal's Ctrl-C reaches the whole process group; the parent stops its nodes itself, in
   * order. If the parent dies, the node leaves gracefully (the shutdown hook), or halts after a grace.
   */
  private static void watchParent() {
    sun.misc.Signal.handle(new sun.misc.Signal("INT"), sun.misc.SignalHandler.SIG_IGN);
    ParentWatchdog watchdog = ParentWatchdog.start(() -> {
      log.warn("the parent process is gone; stopping this node (--exit-with-parent)");
      CompletableFuture.delayedExecutor(PARENT_GONE_GRACE_SECONDS, TimeUnit.SECONDS)
          .execute(() -> Runtime.getRuntime().halt(1));
      System.exit(1);
    });
    log.info("--exit-with-parent: this node stops when its parent (pid {}) dies", watchdog.parentPid());
  }

  /** flags > environment > --config file > defaults. */
  Config resolveConfig(Map<String, String> env) {
    Map<String, Object> o = new HashMap<>();
    put(o, env, "node-name", nodeName);
    put(o, env, "cluster-id", clusterId);
    put(o, env, "network", network);
    put(o, env, "region", region);
    put(o, env, "zone", zone);
    if (regions != null) {
      o.put("meshplane.regions", regions);
    } else if (env.get("MESHPLANE_REGIONS") != null) {
      o.put("meshplane.regions", List.of(env.get("MESHPLANE_REGIONS").split(",")));
    }
    put(o, env, "kubeconfig", kubeconfig);
    put(o, env, "bind-host", bindHost);
    putPath(o, env, "xds.port", "XDS_PORT", xdsPort);
    putPath(o, env, "admin.port", "ADMIN_PORT", adminPort);
    putPath(o, env, "xds.admission.rate", "ADMISSION_RATE", admissionRate);
    putPath(o, env, "xds.admission.burst", "ADMISSION_BURST", admissionBurst);
    putPath(o, env, "cassandra.local-datacenter", "CASSANDRA_DC", cassandraDc);
    putPath(o, env, "cassandra.embedded.data-dir", "DATA_DIR", dataDir);
    putPath(o, env, "cassandra.embedded.native-port", "CASSANDRA_PORT", cassandraPort);
    putPath(o, env, "remoting.host", "REMOTING_HOST", remotingHost);
    putPath(o, env, "remoting.port", "REMOTING_PORT", remotingPort);
    put(o, env, "join", join);
    putPath(o, env, "management.port", "MANAGEMENT_PORT", managementPort);
    putPath(o, env, "bootstrap.discovery", "DISCOVERY", discovery);
    putPath(o, env, "bootstrap.required-contact-points", "REQUIRED_CONTACT_POINTS", requiredContactPoints);
    putPath(o, env, "bootstrap.service-name", "SERVICE_NAME", serviceName);
    putPath(o, env, "bootstrap.kubernetes.pod-label-selector", "POD_LABEL_SELECTOR", podLabelSelector);
    String cps = cassandra != null ? cassandra : env.get("MESHPLANE_CASSANDRA");
    if (cps != null && !cps.isBlank()) {
      o.put("meshplane.cassandra.contact-points", Arrays.stream(cps.split(",")).map(String::trim).toList());
    }
    List<String> seeds = seedNodes != null ? seedNodes
        : env.containsKey("MESHPLANE_SEED_NODES") ? Arrays.asList(env.get("MESHPLANE_SEED_NODES").split(",")) : null;
    if (seeds != null) {
      o.put("meshplane.seed-nodes", seeds);
    }
    putList(o, env, "bootstrap.contact-points", "CONTACT_POINTS", contactPoints);
    Config file = ConfigFactory.empty();
    Path cfg = configFile != null ? configFile
        : env.containsKey("MESHPLANE_CONFIG") ? Path.of(env.get("MESHPLANE_CONFIG")) : null;
    if (cfg != null) {
      if (!Files.isReadable(cfg)) {
        throw new InvalidInputException("--config " + cfg + ": no readable file there; expected a HOCON file");
      }
      try {
        file = ConfigFactory.parseFile(cfg.toFile());
      } catch (com.typesafe.config.ConfigException e) {
        throw new InvalidInputException("--config " + cfg + ": not valid HOCON: " + e.getMessage());
      }
    }
    return ConfigFactory.parseMap(o).withFallback(file)
        .withFallback(ConfigFactory.parseResources("meshplane.conf"))
        .withFallback(ConfigFactory.load()).resolve();
  }

  /** A repeatable flag, or a comma-separated environment variable. */
  private static void putList(Map<String, Object> o, Map<String, String> env, String path, String envSuffix,
      List<String> flag) {
    String fromEnv = env.get("MESHPLANE_" + envSuffix);
    List<String> v = flag != null ? flag
        : fromEnv != null ? Arrays.stream(fromEnv.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList()
        : null;
    if (v != null) {
      o.put("meshplane." + path, v);
    }
  }

  private static void put(Map<String, Object> o, Map<String, String> env, String key, Object flag) {
    putPath(o, env, key, key.toUpperCase().replace('-', '_'), flag);
  }

  private static void putPath(Map<String, Object> o, Map<String, String> env, String path, String envSuffix,
      Object flag) {
    Object v = flag != null ? flag : env.get("MESHPLANE_" + envSuffix);
    if (v != null) {
      o.put("meshplane." + path, v);
    }
  }
}
