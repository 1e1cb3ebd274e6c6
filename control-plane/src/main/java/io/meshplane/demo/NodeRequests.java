package io.meshplane.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How {@code meshplane demo start-node N}, in another terminal, asks the running demo to restart a
 * node: it drops the file {@code requests/start-node-N} in the demo directory; the demo polls that
 * folder, deletes each request it takes, and on failure leaves {@code requests/start-node-N.failed}
 * with the reason. Success shows in {@value DemoInfo#FILE} (the node's new pid). Files are written
 * through a rename, so a reader never sees half of one. Stateless.
 */
public final class NodeRequests {

  static final String FOLDER = "requests";
  private static final Pattern START = Pattern.compile("start-node-(\\d+)");

  private NodeRequests() {}

  /** Asks the demo in {@code dir} to start node {@code index}; clears an earlier failure. */
  public static void requestStart(Path dir, int index) throws IOException {
    Path folder = Files.createDirectories(dir.resolve(FOLDER));
    Files.deleteIfExists(failedFile(dir, index));
    write(folder.resolve("start-node-" + index), "");
  }

  /** The nodes asked for since the last call, in index order; their requests are deleted. */
  public static List<Integer> takeStartRequests(Path dir) {
    Path folder = dir.resolve(FOLDER);
    List<Integer> indexes = new ArrayList<>();
    if (!Files.isDirectory(folder)) {
      return indexes;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
      for (Path file : files) {
        Matcher m = START.matcher(file.getFileName().toString());
        if (m.matches() && Files.deleteIfExists(file)) {
          indexes.add(Integer.parseInt(m.group(1)));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the demo's requests in " + folder, e);
    }
    indexes.sort(null);
    return indexes;
  }

  /** Records why starting node {@code index} failed, for the waiting command. */
  public static void failed(Path dir, int index, String why) {
    try {
      Files.createDirectories(dir.resolve(FOLDER));
      write(failedFile(dir, index), why);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + failedFile(dir, index), e);
    }
  }

  /** Why starting node {@code index} failed, if the demo said so. */
  public static Optional<String> failure(Path dir, int index) {
    Path file = failedFile(dir, index);
    try {
      return Files.isRegularFile(file) ? Optional.of(Files.readString(file, StandardCharsets.UTF_8)) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Whether the request for node {@code index} still waits for the demo to take it. */
  public static boolean pending(Path dir, int index) {
    return Files.exists(dir.resolve(FOLDER).resolve("start-node-" + index));
  }

  private static Path failedFile(Path dir, int index) {
    return dir.resolve(FOLDER).resolve("start-node-" + index + ".failed");
  }

  private static void write(Path file, String content) throws IOException {
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    Files.writeString(partial, content, StandardCharsets.UTF_8);
    Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
