package dev.jgrad.nn.data;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * Strict UTF-8 decoding with byte offsets in the error messages, and a line reader built on it.
 *
 * <p>A file is text when it holds no NUL byte and is valid UTF-8. {@link #decode} checks a whole
 * byte array; {@link Lines} checks line by line while streaming; {@link #sniff} looks only at the
 * first {@value #SNIFF_BYTES} bytes, the way git decides whether a file is binary.
 */
final class Utf8Text {

    /** How many leading bytes {@link #sniff} examines. */
    static final int SNIFF_BYTES = 8192;

    private Utf8Text() {}

    /**
     * Decodes {@code bytes[0, length)} strictly.
     *
     * @param baseOffset the file offset of {@code bytes[0]}, for messages
     * @throws CorpusException naming {@code source} and the offset of the first NUL byte or
     *                         malformed sequence
     */
    static String decode(byte[] bytes, int length, String source, long baseOffset) {
        for (int i = 0; i < length; i++)
            if (bytes[i] == 0)
                throw notText(source, "NUL byte at byte offset " + (baseOffset + i));
        CharsetDecoder decoder = strictDecoder();
        ByteBuffer in = ByteBuffer.wrap(bytes, 0, length);
        CharBuffer out = CharBuffer.allocate(length); // UTF-8 never decodes to more chars than bytes
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError() || (result = decoder.flush(out)).isError())
            throw notText(source, "invalid UTF-8 at byte offset " + (baseOffset + in.position()));
        return out.flip().toString();
    }

    /**
     * Looks at the first {@value #SNIFF_BYTES} bytes of a stream: an empty result means they look
     * like UTF-8 text (a multi-byte sequence cut by the window's end is allowed), otherwise the
     * reason they do not.
     */
    static Optional<String> sniff(InputStream in) throws IOException {
        byte[] head = in.readNBytes(SNIFF_BYTES);
        for (int i = 0; i < head.length; i++)
            if (head[i] == 0) return Optional.of("NUL byte at byte offset " + i);
        ByteBuffer bytes = ByteBuffer.wrap(head);
        CoderResult result = strictDecoder().decode(bytes, CharBuffer.allocate(head.length), false);
        if (result.isError()) return Optional.of("invalid UTF-8 at byte offset " + bytes.position());
        return Optional.empty();
    }

    static CorpusException notText(String source, String why) {
        return new CorpusException(source + " is not UTF-8 text: " + why);
    }

    private static CharsetDecoder strictDecoder() {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    /**
     * Streams the lines of a UTF-8 stream (without their {@code \n}), validating each one, so a
     * file of any size is read with memory proportional to its longest line.
     */
    static final class Lines implements Closeable {
        private final InputStream in;
        private final String source;
        private final byte[] buffer = new byte[1 << 16];
        private int bufferPos, bufferEnd;
        private byte[] line = new byte[256];
        private long offset;      // file offset of buffer[bufferPos]
        private long lineNumber;  // 1-based number of the last line returned
        private boolean eof;

        Lines(InputStream in, String source) {
            this.in = in;
            this.source = source;
        }

        /** The next line, or {@code null} at the end of the stream. */
        String next() {
            int length = 0;
            long lineStart = offset;
            while (true) {
                if (bufferPos == bufferEnd) {
                    if (eof || !fill()) {
                        if (length == 0) return null; // a final "\n" ends the last line, adds none
                        break;
                    }
                }
                byte b = buffer[bufferPos++];
                offset++;
                if (b == '\n') break;
                if (length == line.length) line = Arrays.copyOf(line, 2 * length);
                line[length++] = b;
            }
            lineNumber++;
            return decode(line, length, source, lineStart);
        }

        /** The 1-based number of the line last returned by {@link #next()}. */
        long lineNumber() {
            return lineNumber;
        }

        private boolean fill() {
            try {
                int n = in.read(buffer);
                if (n <= 0) {
                    eof = true;
                    return false;
                }
                bufferPos = 0;
                bufferEnd = n;
                return true;
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + source, e);
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
