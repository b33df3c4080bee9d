package dev.jgrad.optim.tensorboard;

import com.google.protobuf.ByteString;
import dev.jgrad.optim.tensorboard.proto.DataType;
import dev.jgrad.optim.tensorboard.proto.Event;
import dev.jgrad.optim.tensorboard.proto.Summary;
import dev.jgrad.optim.tensorboard.proto.SummaryMetadata;
import dev.jgrad.optim.tensorboard.proto.TensorProto;
import dev.jgrad.optim.tensorboard.proto.TensorShapeProto;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * A TensorBoard event file ({@code events.out.tfevents.<seconds>.<host>}): what {@code tensorboard --logdir runs}
 * reads to draw a run's curves and show its text samples.
 *
 * <p>The file is a sequence of TFRecords, each framing one serialized {@link Event} protocol buffer:
 * <pre>
 *   uint64  length              (little-endian)
 *   uint32  maskedCrc32c(length's 8 bytes)
 *   byte[length] data           (the Event)
 *   uint32  maskedCrc32c(data)
 * </pre>
 * CRC32C is the Castagnoli polynomial (the JDK's {@link CRC32C}); the mask rotates the CRC right by 15 bits and
 * adds the constant {@code 0xa282ead8}, so that a CRC stored inside the data it covers does not look like a valid
 * CRC of it. The first record carries {@code file_version = "brain.Event:2"}; every later one a {@link Summary}
 * of one value at a step: a {@code simple_value} for scalars, a string tensor owned by the {@code text} plugin for
 * text. Each record is flushed as it is written, so a live TensorBoard sees the run as it trains and a crash
 * loses nothing but the record being written.
 */
public final class EventWriter implements AutoCloseable {

    /** What the first record says the file holds. */
    public static final String FILE_VERSION = "brain.Event:2";

    private static final int MASK_DELTA = 0xa282ead8;

    private final Path file;
    private final OutputStream out;

    private EventWriter(Path file, OutputStream out) {
        this.file = file;
        this.out = out;
    }

    /**
     * Creates a new event file in {@code dir} (a resumed run gets a second file beside the first: TensorBoard
     * reads them in name order as one run).
     */
    public static EventWriter create(Path dir) {
        try {
            Files.createDirectories(dir);
            long seconds = System.currentTimeMillis() / 1000;
            String base = "events.out.tfevents." + seconds + "." + hostName();
            Path file = dir.resolve(base);
            for (int i = 1; Files.exists(file); i++) file = dir.resolve(base + "." + i);
            EventWriter w = new EventWriter(file, Files.newOutputStream(file, StandardOpenOption.CREATE_NEW));
            w.write(Event.newBuilder().setWallTime(seconds).setFileVersion(FILE_VERSION).build());
            return w;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a TensorBoard event file in " + dir, e);
        }
    }

    /** The file written to. */
    public Path file() {
        return file;
    }

    /** Records {@code value} under {@code tag} (e.g. {@code train/loss}) at {@code step}. */
    public void scalar(String tag, long step, double value) {
        write(event(step, Summary.Value.newBuilder().setTag(tag).setSimpleValue((float) value)));
    }

    /** Records {@code text} (shown as Markdown by TensorBoard's Text tab) under {@code tag} at {@code step}. */
    public void text(String tag, long step, String text) {
        TensorProto tensor = TensorProto.newBuilder().setDtype(DataType.DT_STRING)
                .setTensorShape(TensorShapeProto.getDefaultInstance()) // no dimensions: a scalar string
                .addStringVal(ByteString.copyFromUtf8(text)).build();
        SummaryMetadata meta = SummaryMetadata.newBuilder()
                .setPluginData(SummaryMetadata.PluginData.newBuilder().setPluginName("text")).build();
        write(event(step, Summary.Value.newBuilder().setTag(tag).setMetadata(meta).setTensor(tensor)));
    }

    private static Event event(long step, Summary.Value.Builder value) {
        return Event.newBuilder().setWallTime(System.currentTimeMillis() / 1000.0).setStep(step)
                .setSummary(Summary.newBuilder().addValue(value)).build();
    }

    private void write(Event event) {
        byte[] data = event.toByteArray();
        byte[] length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(data.length).array();
        ByteBuffer record = ByteBuffer.allocate(8 + 4 + data.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        record.put(length).putInt(maskedCrc32c(length)).put(data).putInt(maskedCrc32c(data));
        try {
            out.write(record.array());
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** The CRC32C (Castagnoli) of {@code bytes}, as an unsigned value in an int. */
    public static int crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return (int) crc.getValue();
    }

    /** TFRecord's masked CRC: {@code ((crc >>> 15) | (crc << 17)) + 0xa282ead8}, in 32-bit arithmetic. */
    public static int maskedCrc32c(byte[] bytes) {
        int crc = crc32c(bytes);
        return ((crc >>> 15) | (crc << 17)) + MASK_DELTA;
    }

    private static String hostName() {
        String name;
        try {
            name = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            name = "localhost";
        }
        String safe = name.replaceAll("[^A-Za-z0-9._-]", "_");
        return safe.isEmpty() ? "localhost" : safe;
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file, e);
        }
    }
}
