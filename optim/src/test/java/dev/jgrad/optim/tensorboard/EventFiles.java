package dev.jgrad.optim.tensorboard;

import dev.jgrad.optim.tensorboard.proto.Event;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A test-side reader of event files, independent of {@link EventWriter}: it unframes the TFRecords, checks both
 * CRCs of every record with its own masked CRC32C (long arithmetic, the formula written out), and parses the
 * data with protobuf-java's generated {@link Event#parseFrom}.
 */
public final class EventFiles {

    private EventFiles() {}

    /** TFRecord's mask, computed in 64-bit arithmetic and cut to 32 bits. */
    static long mask(long crc) {
        return (((crc >>> 15) | (crc << 17)) + 0xa282ead8L) & 0xffffffffL;
    }

    static long maskedCrc(byte[] bytes) {
        CRC32C c = new CRC32C();
        c.update(bytes);
        return mask(c.getValue());
    }

    /** Every Event in {@code file}, in order; fails the test on a bad frame or CRC. */
    public static List<Event> read(Path file) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        List<Event> events = new ArrayList<>();
        while (buf.hasRemaining()) {
            assertTrue(buf.remaining() >= 12, "truncated record header");
            byte[] lengthBytes = new byte[8];
            buf.get(lengthBytes);
            long length = ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(maskedCrc(lengthBytes), Integer.toUnsignedLong(buf.getInt()), "length CRC");
            assertTrue(length >= 0 && length + 4 <= buf.remaining(), "record length " + length);
            byte[] data = new byte[(int) length];
            buf.get(data);
            assertEquals(maskedCrc(data), Integer.toUnsignedLong(buf.getInt()), "data CRC");
            events.add(Event.parseFrom(data));
        }
        return events;
    }

    /** The only events file in {@code dir}. */
    public static Path only(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            List<Path> files = s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).toList();
            assertEquals(1, files.size(), "event files in " + dir + ": " + Arrays.toString(files.toArray()));
            return files.get(0);
        }
    }
}
