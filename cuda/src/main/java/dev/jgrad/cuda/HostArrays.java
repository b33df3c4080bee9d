package dev.jgrad.cuda;

import dev.jgrad.core.Storage;

import java.nio.ByteBuffer;

/**
 * Bulk copies between host storages (Java arrays) and a native-order byte buffer (pinned staging memory), element
 * bits unchanged: the device holds each dtype in the same representation as the host storage.
 */
final class HostArrays {

    private HostArrays() {}

    /** Writes {@code count} elements of {@code src} from {@code offset} to the start of {@code buf}. */
    static void put(ByteBuffer buf, Storage src, int offset, int count) {
        buf.clear();
        switch (src) {
            case Storage.FloatStorage s -> buf.asFloatBuffer().put(s.data, offset, count);
            case Storage.DoubleStorage s -> buf.asDoubleBuffer().put(s.data, offset, count);
            case Storage.IntStorage s -> buf.asIntBuffer().put(s.data, offset, count);
            case Storage.LongStorage s -> buf.asLongBuffer().put(s.data, offset, count);
            case Storage.ShortStorage s -> buf.asShortBuffer().put(s.data, offset, count);
            case Storage.ByteStorage s -> buf.put(s.data, offset, count);
            default -> throw new IllegalArgumentException("not a host storage: " + src.getClass().getName());
        }
    }

    /** Reads {@code count} elements from the start of {@code buf} into {@code dst} at {@code offset}. */
    static void get(ByteBuffer buf, Storage dst, int offset, int count) {
        buf.clear();
        switch (dst) {
            case Storage.FloatStorage s -> buf.asFloatBuffer().get(s.data, offset, count);
            case Storage.DoubleStorage s -> buf.asDoubleBuffer().get(s.data, offset, count);
            case Storage.IntStorage s -> buf.asIntBuffer().get(s.data, offset, count);
            case Storage.LongStorage s -> buf.asLongBuffer().get(s.data, offset, count);
            case Storage.ShortStorage s -> buf.asShortBuffer().get(s.data, offset, count);
            case Storage.ByteStorage s -> buf.get(s.data, offset, count);
            default -> throw new IllegalArgumentException("not a host storage: " + dst.getClass().getName());
        }
    }
}
