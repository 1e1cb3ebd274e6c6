package io.meshplane.model;

import static java.util.Objects.requireNonNull;

/**
 * Where a workload or a proxy runs: region, zone and subzone, each possibly empty. Immutable.
 */
public record Locality(String region, String zone, String subzone) {

  public static final Locality UNKNOWN = new Locality("", "", "");

  public Locality {
    requireNonNull(region, "region");
    requireNonNull(zone, "zone");
    requireNonNull(subzone, "subzone");
  }

  public boolean isUnknown() {
    return region.isEmpty() && zone.isEmpty() && subzone.isEmpty();
  }

  @Override
  public String toString() {
    return region + "/" + zone + "/" + subzone;
  }
}
