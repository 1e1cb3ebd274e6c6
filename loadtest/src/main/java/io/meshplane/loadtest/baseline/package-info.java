/**
 * The java-control-plane baseline of issue 5: a control plane built on envoyproxy's
 * java-control-plane ({@code io.envoyproxy.controlplane:server}, SimpleCache snapshots), fed by
 * fabric8 informers, to run on the same scenario as Meshplane so that every figure has a ratio.
 *
 * <p>Start it as a child JVM with {@link io.meshplane.loadtest.baseline.BaselineProcess#start}
 * (kubeconfig, xDS port, admin port, JVM options: give it the same {@code -Xmx} as Meshplane's
 * nodes), or by hand: {@code java -cp <loadtest runtime classpath>
 * io.meshplane.loadtest.baseline.BaselineControlPlane --kubeconfig F --xds-port N [--admin-port M]
 * [--exit-with-parent]}. It prints {@code baseline ready xds=N admin=M pid=P} once it serves; the
 * admin port answers {@code /readyz}, {@code /healthz} and {@code /metrics}
 * ({@code baseline_xds_open_streams}, responses and bytes sent, snapshots set). Proxies connect
 * to the xDS port directly (one process: no front, no failover).
 *
 * <p>What it serves is Meshplane's own generator output per service port (Listener with an API
 * listener, RouteConfiguration, EDS Cluster and ClusterLoadAssignment, same names and bytes);
 * what differs is the machinery: whole snapshots per node group (proxy namespace) rebuilt from
 * per-service caches after a 100 ms quiet window (at most 1 s), content versions per resource
 * (delta) and per requested name list (state of the world).
 *
 * <p>Library behaviour that skews a comparison (the first two are asserted by
 * {@code BaselineControlPlaneTest}): delta CDS and LDS over ADS are always wildcard (a delta proxy
 * gets every cluster, whatever it subscribes to); {@code initial_resource_versions} of a resumed
 * delta stream are ignored (it gets everything it subscribes to again); in ADS mode a
 * state-of-the-world CDS, LDS or RDS watch naming a resource the snapshot lacks is not answered,
 * and is dropped at the next snapshot (read in the 1.0.49 classes; EDS is spared by
 * {@code allowDefaultEmptyEdsUpdate}). In its favour: no persistence, no cluster, no per-proxy
 * state beyond the streams, only Services and EndpointSlices watched.
 */
package io.meshplane.loadtest.baseline;
