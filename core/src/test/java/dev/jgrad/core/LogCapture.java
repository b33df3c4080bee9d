package dev.jgrad.core;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects what one library class logs through {@link System.Logger} (whose default backend is
 * {@code java.util.logging}, loggers named after the class), for tests that check a message goes there.
 */
public final class LogCapture implements AutoCloseable {

    private final Logger logger;
    private final List<LogRecord> records = new ArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            synchronized (records) {
                records.add(r);
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    private LogCapture(Class<?> source) {
        logger = Logger.getLogger(source.getName());
        handler.setLevel(Level.ALL);
        logger.addHandler(handler);
    }

    /** Starts collecting the records logged by {@code source}'s logger. */
    public static LogCapture of(Class<?> source) {
        return new LogCapture(source);
    }

    /** The messages logged at WARNING so far. */
    public List<String> warnings() {
        synchronized (records) {
            return records.stream().filter(r -> r.getLevel() == Level.WARNING).map(LogRecord::getMessage).toList();
        }
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
    }
}
