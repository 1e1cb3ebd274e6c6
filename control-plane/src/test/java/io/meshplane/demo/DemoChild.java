package io.meshplane.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshplane.cli.Main;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What the demo ITs share: {@code meshplane demo} started as a child JVM whose output lines are
 * collected into a list (thread-safe, given by the caller), the demo's subcommands run in this JVM,
 * and readings of the collected output.
 */
final class DemoChild {

  private static final Pattern ANSWER =
      Pattern.compile("\\[client \\d\\d:\\d\\d:\\d\\d] (greeter-\\d) answered: Hello demo from (greeter-\\d)");

  private DemoChild() {}

  /** Starts {@code meshplane demo --dir <dir> <options>}; every line it prints goes to {@code output}. */
  static Process start(Path dir, List<String> options, List<String> output) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-cp", System.getProperty("java.class.path"), "io.meshplane.cli.Main", "demo", "--dir",
        dir.toString()));
    cmd.addAll(options);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          output.add(line);
        }
      } catch (IOException e) {
        output.add("(reading the demo's output failed: " + e + ")");
      }
    }, "demo-output");
    reader.setDaemon(true);
    reader.start();
    return p;
  }

  /** Kills what a failed test left running and keeps the demo's output in {@code dir}. */
  static void killLeftoversAndKeepOutput(Process demo, Path dir, List<String> output) throws IOException {
    if (demo != null && demo.isAlive()) {
      demo.descendants().forEach(ProcessHandle::destroyForcibly);
      demo.destroyForcibly();
    }
    if (dir != null && Files.isDirectory(dir)) {
      Files.write(dir.resolve("demo-output.txt"), output, StandardCharsets.UTF_8);
    }
  }

  /** Runs {@code meshplane demo <args> --dir <dir>} in this JVM; it must exit {@code expected}. Returns its output. */
  static String command(Path dir, int expected, String... args) {
    List<String> argv = new ArrayList<>(List.of("demo"));
    argv.addAll(List.of(args));
    argv.addAll(List.of("--dir", dir.toString()));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute(argv.toArray(String[]::new));
    assertThat(exit).as("exit code of %s; out: %s; err: %s", argv, out, err).isEqualTo(expected);
    return out.toString();
  }

  static List<String> linesFrom(List<String> output, int from) {
    List<String> all = List.copyOf(output);
    return all.subList(Math.min(from, all.size()), all.size());
  }

  /** The backends that answered the demo's client, in order, from output line {@code from} on. */
  static List<String> answersFrom(List<String> output, int from) {
    List<String> backends = new ArrayList<>();
    for (String line : linesFrom(output, from)) {
      Matcher m = ANSWER.matcher(line);
      if (m.find()) {
        assertThat(m.group(1)).as("header and message agree: %s", line).isEqualTo(m.group(2));
        backends.add(m.group(1));
      }
    }
    return backends;
  }

  /** The last 60 lines, for assertion messages. */
  static String tail(List<String> output) {
    List<String> all = List.copyOf(output);
    return all.subList(Math.max(0, all.size() - 60), all.size()).stream().collect(Collectors.joining("\n"));
  }
}
