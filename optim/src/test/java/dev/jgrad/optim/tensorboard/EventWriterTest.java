package dev.jgrad.optim.tensorboard;

import dev.jgrad.optim.tensorboard.proto.DataType;
import dev.jgrad.optim.tensorboard.proto.Event;
import dev.jgrad.optim.tensorboard.proto.Summary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventWriterTest {

    /** RFC 3720 (iSCSI), appendix B.4: CRC32C of four 32-byte messages, and the classic check value. */
    @Test
    void crc32cMatchesPublishedVectors() {
        byte[] zeros = new byte[32];
        byte[] ones = new byte[32];
        Arrays.fill(ones, (byte) 0xff);
        byte[] up = new byte[32], down = new byte[32];
        for (int i = 0; i < 32; i++) {
            up[i] = (byte) i;
            down[i] = (byte) (31 - i);
        }
        assertEquals(0x8A9136AA, EventWriter.crc32c(zeros));
        assertEquals(0x62A8AB43, EventWriter.crc32c(ones));
        assertEquals(0x46DD794E, EventWriter.crc32c(up));
        assertEquals(0x113FDB5C, EventWriter.crc32c(down));
        assertEquals(0xE3069283, EventWriter.crc32c("123456789".getBytes(StandardCharsets.US_ASCII)));
    }

    /** The mask ((crc >>> 15 | crc << 17) + 0xa282ead8), worked by hand for the RFC vectors. */
    @Test
    void maskIsRotateRight15PlusDelta() {
        byte[] zeros = new byte[32];
        byte[] ones = new byte[32];
        Arrays.fill(ones, (byte) 0xff);
        assertEquals(0x0FD7FFFA, EventWriter.maskedCrc32c(zeros));
        assertEquals(0xF909B029, EventWriter.maskedCrc32c(ones));
        assertEquals(0x0FD7FFFAL, EventFiles.mask(0x8A9136AAL)); // the test reader's own mask agrees
    }

    @Test
    void writesFramedEventsThatProtobufParses(@TempDir Path dir) throws Exception {
        Path file;
        try (EventWriter w = EventWriter.create(dir)) {
            file = w.file();
            w.scalar("train/loss", 1, 2.5);
            w.scalar("train/loss", 2, 2.25);
            w.text("samples", 2, "To be, or not to be");
        }
        assertTrue(file.getFileName().toString().matches("events\\.out\\.tfevents\\.\\d+\\..+"), file.toString());
        List<Event> events = EventFiles.read(file);
        assertEquals(4, events.size());
        assertEquals("brain.Event:2", events.get(0).getFileVersion());
        assertTrue(events.get(0).getWallTime() > 1.7e9, "wall time in seconds since the epoch");

        Summary.Value first = events.get(1).getSummary().getValue(0);
        assertEquals(1, events.get(1).getStep());
        assertEquals("train/loss", first.getTag());
        assertEquals(2.5f, first.getSimpleValue());
        assertEquals(2, events.get(2).getStep());
        assertEquals(2.25f, events.get(2).getSummary().getValue(0).getSimpleValue());

        Summary.Value text = events.get(3).getSummary().getValue(0);
        assertEquals("samples", text.getTag());
        assertEquals("text", text.getMetadata().getPluginData().getPluginName());
        assertEquals(DataType.DT_STRING, text.getTensor().getDtype());
        assertEquals(0, text.getTensor().getTensorShape().getDimCount());
        assertEquals("To be, or not to be", text.getTensor().getStringVal(0).toStringUtf8());
    }

    @Test
    void aSecondWriterInTheSameSecondGetsItsOwnFile(@TempDir Path dir) throws Exception {
        try (EventWriter a = EventWriter.create(dir); EventWriter b = EventWriter.create(dir)) {
            assertTrue(!a.file().equals(b.file()));
        }
    }
}
