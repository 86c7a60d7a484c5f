package dev.jrwkv.model;

/**
 * How a file names and transforms the official weights. The model classes read every layout into
 * the same runtime form.
 */
public enum Layout {
    /** BlinkDL's names and values ({@code .pth}, official safetensors). */
    OFFICIAL,
    /** rwkv.cpp's converter: decays stored as exponentials, v7 mixes concatenated, LoRA factors transposed. */
    RWKV_CPP
}
