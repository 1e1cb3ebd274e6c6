package io.meshplane.loadtest.regions;

/**
 * Marker of the replication benchmark's messages and events, bound to {@link RegionSerializer}
 * (events go to Cassandra; the stream design's commands cross from one region's ActorSystem to
 * the other's).
 */
public interface RegionMessage {}
