package dev.jrwkv.model;

import dev.jrwkv.format.ModelFormatException;
import dev.jrwkv.format.TensorStore;
import dev.jrwkv.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;

/**
 * Rows of the embedding matrix, one per token fed. Where the model file holds the matrix as is, a row
 * is read with a positioned read of the file, so the matrix never becomes resident memory of the
 * process: through the mapping, every token faulted in its row and the pages around it (64 KB by
 * default on Linux), and a long session ended with most of a 100-270 MB matrix resident though a
 * token reads 1.5-4 KB of it. One read per token costs a few microseconds, against milliseconds for
 * the token. Other stores (converted or in-memory tensors) are read through the tensor.
 *
 * <p>Thread safe. A thread's interrupt does not break the reader for everyone: file channels close
 * when a thread blocked in them is interrupted, so reads run with the flag cleared (it is set again
 * afterwards) and a channel closed under a read is reopened.
 */
final class EmbeddingRows implements AutoCloseable {
    private final Tensor emb;
    private final TensorStore store;
    private final long offset;
    private final long rowBytes;
    private final int width;
    /** Null where rows are read through the tensor. */
    private volatile FileChannel channel;
    private volatile boolean closed;

    EmbeddingRows(Tensor emb, TensorStore store) {
        this.emb = emb;
        this.store = store;
        this.width = Math.toIntExact(emb.cols());
        this.rowBytes = emb.type().byteSize(width);
        OptionalLong at = store.fileOffset(emb);
        this.offset = at.orElse(-1);
        this.channel = at.isPresent() ? open() : null;
    }

    /** True when rows come from positioned reads of the file rather than from the mapping. */
    boolean readsFile() {
        return offset >= 0;
    }

    /** Row {@code token} as floats into {@code out[0, width)}. */
    void read(int token, float[] out) {
        if (offset < 0) {
            emb.dequantizeRow(token, out);
            return;
        }
        byte[] bytes = new byte[Math.toIntExact(rowBytes)];
        boolean interrupted = Thread.interrupted();
        try {
            readFully(ByteBuffer.wrap(bytes), offset + token * rowBytes);
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
        new Tensor(emb.name(), emb.type(), new long[] {1, width}, MemorySegment.ofArray(bytes)).dequantizeRow(0, out);
    }

    private void readFully(ByteBuffer buf, long position) {
        for (int attempt = 0; ; attempt++) {
            FileChannel ch = channel;
            try {
                while (buf.hasRemaining()) {
                    int n = ch.read(buf, position + buf.position());
                    if (n < 0) throw new ModelFormatException(store.path(), "file ends inside tensor " + emb.name());
                }
                return;
            } catch (ClosedChannelException e) {                  // closed by another thread's interrupt
                if (closed || attempt >= 3) throw new IllegalStateException("model is closed", e);
                reopen(ch);
                buf.clear();
            } catch (IOException e) {
                throw new ModelFormatException(store.path(), "cannot read tensor " + emb.name() + ": " + e.getMessage(), e);
            }
        }
    }

    private synchronized void reopen(FileChannel broken) {
        if (channel == broken && !closed) channel = open();
    }

    private FileChannel open() {
        try {
            return FileChannel.open(store.path(), StandardOpenOption.READ);
        } catch (IOException e) {
            throw new ModelFormatException(store.path(), "cannot read: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        FileChannel ch = channel;
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException ignored) {
            // read-only: nothing is lost
        }
    }
}
