package io.meshplane.registry.kube;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.meshplane.model.InvalidInputException;
import java.time.Duration;

/**
 * How often a member cluster's registry compares its informer caches with a fresh listing from
 * the API server, to find watch events that never arrived. A difference must still be there
 * {@code confirmAfter} later, with the API server's object unchanged meanwhile, before the
 * caches are rebuilt: an event merely in flight is not a loss. Immutable.
 *
 * @param interval time between two comparisons; zero turns the resync off
 * @param confirmAfter how long a difference must last to count as a lost event
 */
public record ResyncSettings(Duration interval, Duration confirmAfter) {

  /** No resync: the informers' watches are trusted. */
  public static final ResyncSettings OFF = new ResyncSettings(Duration.ZERO, Duration.ofSeconds(1));

  public ResyncSettings {
    requireNonNull(interval, "interval");
    requireNonNull(confirmAfter, "confirmAfter");
    if (interval.isNegative()) {
      throw new IllegalArgumentException("resync interval " + interval + " must be zero (off) or positive");
    }
    if (confirmAfter.isNegative() || confirmAfter.isZero()) {
      throw new IllegalArgumentException("resync confirmAfter " + confirmAfter + " must be positive");
    }
    if (!interval.isZero() && confirmAfter.compareTo(interval) >= 0) {
      throw new IllegalArgumentException("resync confirmAfter " + confirmAfter + " must be shorter than the interval "
          + interval);
    }
  }

  public boolean enabled() {
    return !interval.isZero();
  }

  /**
   * Reads {@code meshplane.registry.resync-interval} and {@code meshplane.registry.resync-confirm}.
   *
   * @throws InvalidInputException naming the setting, its value and the expected form
   */
  public static ResyncSettings from(Config root) {
    Duration interval = duration(root, "meshplane.registry.resync-interval");
    Duration confirm = duration(root, "meshplane.registry.resync-confirm");
    try {
      return new ResyncSettings(interval, confirm);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("meshplane.registry: " + e.getMessage());
    }
  }

  private static Duration duration(Config root, String path) {
    try {
      return root.getDuration(path);
    } catch (ConfigException.BadValue | ConfigException.WrongType e) {
      throw new InvalidInputException(path + ": '" + root.getValue(path).unwrapped()
          + "' is not a duration; expected for example 5m, or 0 for off");
    } catch (ConfigException e) {
      throw new InvalidInputException("bad configuration: " + e.getMessage());
    }
  }
}
