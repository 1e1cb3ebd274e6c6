package io.meshplane.xds;

import static java.util.Objects.requireNonNull;

/** Why the control plane ends an xDS stream; mapped to a gRPC status by the server. */
public record StreamError(Code code, String message) {

  /** The gRPC status codes the control plane uses on purpose. */
  public enum Code {
    INVALID_ARGUMENT,
    RESOURCE_EXHAUSTED,
    UNAVAILABLE,
    INTERNAL
  }

  public StreamError {
    requireNonNull(code, "code");
    requireNonNull(message, "message");
  }

  public static StreamError invalid(String message) {
    return new StreamError(Code.INVALID_ARGUMENT, message);
  }
}
