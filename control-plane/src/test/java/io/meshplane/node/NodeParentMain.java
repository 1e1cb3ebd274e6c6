package io.meshplane.node;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The parent in {@link NodeProcessIT}: starts one node with {@link NodeProcess} (arguments: log
 * file, admin port, then the node's flags), prints {@code node ready: pid <pid>} once it is ready,
 * and then waits to be killed.
 */
public final class NodeParentMain {

  private NodeParentMain() {}

  public static void main(String[] args) throws InterruptedException {
    List<String> flags = Arrays.asList(args).subList(2, args.length);
    NodeProcess node = NodeProcess.start(Path.of(args[0]), Integer.parseInt(args[1]), List.of("-Xmx384m"), flags,
        Duration.ofSeconds(120));
    System.out.println("node ready: pid " + node.pid());
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
