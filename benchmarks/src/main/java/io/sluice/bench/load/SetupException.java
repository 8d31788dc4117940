package io.sluice.bench.load;

/** The tool cannot start its run (cluster unreachable, stream missing, ...); the message says what to do. */
final class SetupException extends RuntimeException {
    SetupException(String message) {
        super(message);
    }

    SetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
