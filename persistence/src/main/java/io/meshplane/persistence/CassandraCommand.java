package io.meshplane.persistence;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a {@link LocalCassandra} child JVM: the JDK that runs us, the heap, the
 * module flags Cassandra needs on JDK 17, the system properties that make a single dev node boot
 * in seconds, and the server's classpath. Stateless.
 */
final class CassandraCommand {

  static final String CLASSPATH_RESOURCE = "io/meshplane/persistence/cassandra-server.classpath";

  /** From Cassandra 5's {@code conf/jvm17-server.options} (JPMS and Netty sections). */
  static final List<String> JDK17 = List.of(
      "-Djdk.attach.allowAttachSelf=true",
      "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
      "--add-exports", "java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
      "--add-exports", "java.rmi/sun.rmi.registry=ALL-UNNAMED",
      "--add-exports", "java.rmi/sun.rmi.server=ALL-UNNAMED",
      "--add-exports", "java.sql/java.sql=ALL-UNNAMED",
      "--add-exports", "java.base/java.lang.ref=ALL-UNNAMED",
      "--add-exports", "jdk.unsupported/sun.misc=ALL-UNNAMED",
      "--add-exports", "jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
      "--add-exports", "jdk.attach/sun.tools.attach=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang.module=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.loader=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.reflect=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.math=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.module=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.util.jar=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.base/java.io=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED",
      "--add-opens", "jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/java.util=ALL-UNNAMED",
      "-Dio.netty.tryReflectionSetAccessible=true",
      "-Dio.netty.allocator.useCacheForAllThreads=true",
      "-Dio.netty.allocator.maxOrder=11");

  private CassandraCommand() {}

  static List<String> of(LocalCassandra.Settings settings, Path dataDir, Path yaml) throws IOException {
    Path triggers = Files.createDirectories(dataDir.resolve("triggers"));
    Path logback = CassandraFiles.writeLogback(dataDir);
    Path watchdog = CassandraFiles.writeWatchdogClasses(dataDir);
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xms64m");
    cmd.add("-Xmx" + settings.heap());
    cmd.add("-XX:+UseG1GC");
    cmd.add("-XX:+ExitOnOutOfMemoryError");
    cmd.addAll(JDK17);
    cmd.add("-Dcassandra.config=" + yaml.toUri());
    cmd.add("-Dcassandra.storagedir=" + dataDir);
    cmd.add("-Dcassandra-foreground=yes");
    cmd.add("-Dcassandra.triggers_dir=" + triggers);
    // A lone seed has nobody to wait for: without these the first boot takes about 35 s.
    cmd.add("-Dcassandra.ring_delay_ms=1000");
    cmd.add("-Dcassandra.skip_wait_for_gossip_to_settle=0");
    cmd.add("-Dcassandra.superuser_setup_delay_ms=0");
    cmd.add("-Dcassandra-rackdc.properties=" + CassandraFiles.rackDcFile(dataDir).toUri());
    cmd.add("-Dlogback.configurationFile=" + logback);
    cmd.add("-cp");
    cmd.add(serverClasspath() + File.pathSeparator + watchdog);
    cmd.add(CassandraWatchdogMain.class.getName());
    return cmd;
  }

  /** The ':'-separated jars of cassandra-all, as resolved by the cassandra-server module. */
  static String serverClasspath() throws IOException {
    try (InputStream in = CassandraCommand.class.getClassLoader().getResourceAsStream(CLASSPATH_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(CLASSPATH_RESOURCE + " is not on the classpath; expected it in the "
            + "meshplane-cassandra-server jar (build persistence/cassandra-server first)");
      }
      String classpath = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
      String first = classpath.split(File.pathSeparator, 2)[0];
      if (!Files.isRegularFile(Path.of(first))) {
        throw new IllegalStateException("Cassandra server jar " + first + " is missing; expected the jars that "
            + "persistence/cassandra-server resolved into the local Maven repository");
      }
      return classpath;
    }
  }

  /** A port free on {@code host} right now; the server binds it a moment later. */
  static int freePort(String host) throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
      return socket.getLocalPort();
    }
  }
}
