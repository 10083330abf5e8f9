package org.betty4j.runtime.cli;

/** A command-line value that parses but makes no sense for this program; exit code 2, no stack trace. */
final class UsageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
