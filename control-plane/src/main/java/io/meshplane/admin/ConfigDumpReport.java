package io.meshplane.admin;

import io.meshplane.xds.ProxyStreams;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * What a proxy was last sent, answerable from any node: every node's {@link ProxyStreams} (found
 * through the receptionist) is asked for the proxy's streams there, so the answer holds wherever
 * the proxy is connected, also while it moves between nodes. Answers from other nodes are bounded
 * to fit one cluster message; the serving node's own admin API gives the whole dump.
 *
 * <p>Stateless; runs on the admin server's threads.
 */
public final class ConfigDumpReport {

  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  /**
   * Subscribed names and resources one remote node may put in its answer: Artery carries messages
   * of at most 256 KiB (maximum-frame-size) and drops larger ones.
   */
  static final long REMOTE_BYTES = 192 * 1024;

  /**
   * The answers that hold at least one stream of the proxy, by serving node, and the nodes (by
   * cluster address) that did not answer in time; {@code asked} nodes in all.
   */
  public record Result(String proxyId, List<ProxyStreams.ConfigDump> answers, List<String> unanswered, int asked) {
    public Result {
      answers = List.copyOf(answers);
      unanswered = List.copyOf(unanswered);
    }

    public boolean found() {
      return !answers.isEmpty();
    }
  }

  private final ActorSystem<?> system;

  public ConfigDumpReport(ActorSystem<?> system) {
    this.system = system;
  }

  /** Asks every node for the proxy's streams; never fails, a node that does not answer is listed. */
  public CompletionStage<Result> dump(String proxyId) {
    return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
            replyTo -> Receptionist.find(ProxyStreams.SERVICE_KEY, replyTo), TIMEOUT, system.scheduler())
        .thenCompose(listing -> ask(proxyId, listing.getServiceInstances(ProxyStreams.SERVICE_KEY)));
  }

  private CompletionStage<Result> ask(String proxyId, Set<ActorRef<ProxyStreams.Command>> nodes) {
    List<ActorRef<ProxyStreams.Command>> refs = new ArrayList<>(nodes);
    List<CompletableFuture<ProxyStreams.ConfigDump>> asks = new ArrayList<>();
    for (ActorRef<ProxyStreams.Command> ref : refs) {
      long bound = ref.path().address().hasLocalScope() ? 0 : REMOTE_BYTES;
      asks.add(AskPattern.<ProxyStreams.Command, ProxyStreams.ConfigDump>ask(ref,
              replyTo -> new ProxyStreams.GetConfigDump(proxyId, bound, replyTo), TIMEOUT, system.scheduler())
          .toCompletableFuture().exceptionally(e -> null));
    }
    return CompletableFuture.allOf(asks.toArray(new CompletableFuture[0])).thenApply(v -> {
      List<ProxyStreams.ConfigDump> answers = new ArrayList<>();
      List<String> unanswered = new ArrayList<>();
      for (int i = 0; i < refs.size(); i++) {
        ProxyStreams.ConfigDump answer = asks.get(i).join();
        if (answer == null) {
          unanswered.add(refs.get(i).path().address().toString());
        } else if (!answer.streams().isEmpty()) {
          answers.add(answer);
        }
      }
      answers.sort(Comparator.comparing(ProxyStreams.ConfigDump::servingNode));
      unanswered.sort(Comparator.naturalOrder());
      return new Result(proxyId, answers, unanswered, refs.size());
    });
  }
}
