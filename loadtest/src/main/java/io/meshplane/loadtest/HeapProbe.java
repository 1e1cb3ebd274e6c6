package io.meshplane.loadtest;

import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Heap of other JVMs on this machine, read through their platform MemoryMXBean: the first call
 * for a process attaches to it (the JDK's attach API), starts its local JMX agent and keeps the
 * connection. Works for any JVM of the same user (a control-plane node, a baseline server) with
 * no change to it. Thread-safe.
 */
final class HeapProbe implements AutoCloseable {

  private final Map<Long, JMXConnector> connectors = new ConcurrentHashMap<>();
  private final Map<Long, MemoryMXBean> beans = new ConcurrentHashMap<>();

  /** Heap used by process {@code pid}, in bytes; empty if it cannot be read (process gone). */
  OptionalLong used(long pid) {
    try {
      return OptionalLong.of(bean(pid).getHeapMemoryUsage().getUsed());
    } catch (IOException | RuntimeException e) {
      forget(pid);
      return OptionalLong.empty();
    }
  }

  /** A full GC in process {@code pid} ({@code System.gc()}; the nodes run G1, which does one). */
  void gc(long pid) {
    try {
      bean(pid).gc();
    } catch (IOException | RuntimeException e) {
      forget(pid);
    }
  }

  /**
   * The class histogram of process {@code pid} after a full GC (the DiagnosticCommand MBean's
   * {@code GC.class_histogram}, as {@code jcmd} prints it); empty if it cannot be read.
   */
  Optional<String> classHistogram(long pid) {
    try {
      bean(pid);
      Object text = connectors.get(pid).getMBeanServerConnection().invoke(
          new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
          new Object[] {new String[0]}, new String[] {String[].class.getName()});
      return Optional.of(String.valueOf(text));
    } catch (IOException | RuntimeException | javax.management.JMException e) {
      forget(pid);
      return Optional.empty();
    }
  }

  private MemoryMXBean bean(long pid) throws IOException {
    MemoryMXBean bean = beans.get(pid);
    if (bean != null) {
      return bean;
    }
    String address;
    try {
      VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
      try {
        address = vm.startLocalManagementAgent();
      } finally {
        vm.detach();
      }
    } catch (com.sun.tools.attach.AttachNotSupportedException e) {
      throw new IOException("cannot attach to pid " + pid, e);
    }
    JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address));
    connectors.put(pid, connector);
    bean = ManagementFactory.newPlatformMXBeanProxy(connector.getMBeanServerConnection(),
        ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class);
    beans.put(pid, bean);
    return bean;
  }

  private void forget(long pid) {
    beans.remove(pid);
    JMXConnector c = connectors.remove(pid);
    if (c != null) {
      try {
        c.close();
      } catch (IOException ignored) {
        // The process is gone: nothing to close.
      }
    }
  }

  @Override
  public void close() {
    connectors.keySet().forEach(this::forget);
  }
}
