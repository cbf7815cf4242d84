package ai.kaizen.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Run-time control of the logging backend (Logback; configured by {@code logback.xml}). */
public final class Logging {

    private Logging() {
    }

    /** Sets the level of Kaizen's and the root logger, from the {@code log.level} key. */
    public static void setLevel(String level) {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level, Level.INFO));
            context.getLogger("ai.kaizen").setLevel(Level.toLevel(level, Level.INFO));
        }
    }

    /** Flushes and stops the appenders; called last during shutdown, when nothing logs any more. */
    public static void flush() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.stop();
        }
    }
}
