package dev.jrwkv.model;

/**
 * RWKV architecture versions, named as the official implementation names them. rwkv.cpp calls
 * {@link #V5_0} "5.1" (RWKV-5 preview without gate).
 */
public enum Version {
    /** RWKV-4: per-channel WKV with time_decay/time_first. */
    V4("4"),
    /** RWKV-5 preview without gate, one decay per head (rwkv.cpp: "5.1"). */
    V5_0("5.0"),
    /** RWKV-5.1: gate, one decay per head. */
    V5_1("5.1"),
    /** RWKV-5.2 "Eagle": gate, decay per channel. */
    V5_2("5.2"),
    /** RWKV-6 "Finch": data-dependent token shift and decay. */
    V6("6"),
    /** RWKV-7 "Goose": generalised delta rule. */
    V7("7");

    private final String label;

    Version(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    @Override
    public String toString() {
        return label;
    }
}
