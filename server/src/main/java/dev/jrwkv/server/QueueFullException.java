package dev.jrwkv.server;

import dev.jrwkv.JrwkvException;

/** The scheduler's queue cannot take the sequences of a request: the server answers 429. */
final class QueueFullException extends JrwkvException {
    QueueFullException(int wanted, int capacity) {
        super("the server is busy: " + wanted + " sequence(s) asked for, no room among " + capacity
                + " (sessions + queue); retry later");
    }
}
