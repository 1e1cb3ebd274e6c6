package io.meshplane.model;

/**
 * Bad input from outside the control plane (an xDS node, a Kubernetes object, a flag): the
 * message names what was wrong and what was expected. Callers reject the input and keep going.
 */
public class InvalidInputException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public InvalidInputException(String message) {
    super(message);
  }
}
