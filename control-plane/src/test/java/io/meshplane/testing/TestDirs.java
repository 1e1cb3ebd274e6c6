package io.meshplane.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Fresh directories under target/ for one test run's servers and logs. */
public final class TestDirs {

  private TestDirs() {}

  public static Path fresh(String name) {
    try {
      return Files.createDirectories(Path.of("target", "it", name + "-" + System.currentTimeMillis()))
          .toAbsolutePath();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
