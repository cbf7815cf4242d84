package ai.kaizen.server.config;

import ai.kaizen.db.cycle.CycleSchedule;
import ai.kaizen.server.lifecycle.CycleCron;
import ai.kaizen.server.lifecycle.TrainerJobSettings;
import ai.kaizen.trainer.cycle.CyclePresets;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Retraining cycles: trainer heartbeat and its timeout, and when cycles start by themselves until an operator saves
 * a schedule in the console.
 *
 * @param scheduleCron           start a cycle at the ticks of this Unix cron expression, in UTC (empty: never by
 *                               the clock)
 * @param scheduleNewPreferences start one once this much new feedback arrived (zero: never)
 * @param launcher               where trainers run
 * @param kubernetes             how trainer Jobs look, where {@code launcher} is {@link Launcher#KUBERNETES}
 */
public record LifecycleSettings(Duration heartbeat, Duration heartbeatTimeout, String scheduleCron,
                                int scheduleNewPreferences, String schedulePreset, boolean autoPromote,
                                Launcher launcher, TrainerJobSettings kubernetes) {

    /** Where a cycle's trainer runs. */
    public enum Launcher { LOCAL, KUBERNETES }

    static LifecycleSettings from(ConfigValues values) {
        Duration heartbeat = Duration.ofSeconds(values.integer(ConfigKey.CYCLE_HEARTBEAT_SECONDS, 1, 3600));
        Duration timeout = Duration.ofSeconds(values.integer(ConfigKey.CYCLE_HEARTBEAT_TIMEOUT_SECONDS, 2, 86_400));
        if (timeout.compareTo(heartbeat.multipliedBy(2)) < 0) {
            throw values.invalid(ConfigKey.CYCLE_HEARTBEAT_TIMEOUT_SECONDS, "must be at least twice "
                    + ConfigKey.CYCLE_HEARTBEAT_SECONDS.key());
        }
        String preset = values.text(ConfigKey.CYCLE_SCHEDULE_PRESET);
        if (!CyclePresets.names().contains(preset)) {
            throw values.invalid(ConfigKey.CYCLE_SCHEDULE_PRESET, "must be one of " + CyclePresets.names());
        }
        String cron = values.text(ConfigKey.CYCLE_SCHEDULE_CRON).trim();
        if (!cron.isEmpty()) {
            try {
                CycleCron.parse(cron);
            } catch (CycleCron.Invalid e) {
                throw values.invalid(ConfigKey.CYCLE_SCHEDULE_CRON, e.getMessage());
            }
        }
        Launcher launcher = switch (values.text(ConfigKey.CYCLE_LAUNCHER)) {
            case "local" -> Launcher.LOCAL;
            case "kubernetes" -> Launcher.KUBERNETES;
            default -> throw values.invalid(ConfigKey.CYCLE_LAUNCHER, "is not local or kubernetes");
        };
        TrainerJobSettings kubernetes = kubernetes(values, timeout);
        if (launcher == Launcher.KUBERNETES) {
            if (values.text(ConfigKey.DATABASE_URL).isEmpty()) {
                throw values.invalid(ConfigKey.CYCLE_LAUNCHER, "needs database.url: a trainer pod cannot reach the "
                        + "embedded PostgreSQL, which listens on this machine only");
            }
            if (values.text(ConfigKey.ARTIFACTS_URL).isEmpty() && kubernetes.homeClaim().isEmpty()) {
                throw values.invalid(ConfigKey.CYCLE_LAUNCHER, "needs artifacts.url (s3://...) or "
                        + ConfigKey.CYCLE_KUBERNETES_HOME_CLAIM.key() + ": a trainer pod must read and write the "
                        + "models the servers load");
            }
        }
        return new LifecycleSettings(heartbeat, timeout, cron,
                values.integer(ConfigKey.CYCLE_SCHEDULE_NEW_PREFERENCES, 0, 10_000_000),
                preset, values.bool(ConfigKey.CYCLE_AUTO_PROMOTE), launcher, kubernetes);
    }

    private static TrainerJobSettings kubernetes(ConfigValues values, Duration heartbeatTimeout) {
        String image = values.text(ConfigKey.CYCLE_KUBERNETES_IMAGE);
        if (image.isEmpty() || image.contains(" ")) {
            throw values.invalid(ConfigKey.CYCLE_KUBERNETES_IMAGE, "is not an image name");
        }
        Duration scheduleTimeout = Duration.ofSeconds(values.integer(
                ConfigKey.CYCLE_KUBERNETES_SCHEDULE_TIMEOUT_SECONDS, 0, 86_400));
        if (scheduleTimeout.compareTo(heartbeatTimeout) >= 0) {
            throw values.invalid(ConfigKey.CYCLE_KUBERNETES_SCHEDULE_TIMEOUT_SECONDS, "must be less than "
                    + ConfigKey.CYCLE_HEARTBEAT_TIMEOUT_SECONDS.key() + " (else the cycle fails for a missing "
                    + "heartbeat before Kubernetes' reason is known)");
        }
        return new TrainerJobSettings(name(values, ConfigKey.CYCLE_KUBERNETES_NAMESPACE), image,
                quantity(values, ConfigKey.CYCLE_KUBERNETES_CPU),
                quantity(values, ConfigKey.CYCLE_KUBERNETES_MEMORY),
                values.integer(ConfigKey.CYCLE_KUBERNETES_GPUS, 0, 64),
                nodeSelector(values), tolerations(values),
                name(values, ConfigKey.CYCLE_KUBERNETES_SERVICE_ACCOUNT),
                name(values, ConfigKey.CYCLE_KUBERNETES_SECRET),
                name(values, ConfigKey.CYCLE_KUBERNETES_HOME_CLAIM),
                scheduleTimeout);
    }

    private static Map<String, String> nodeSelector(ConfigValues values) {
        try {
            return TrainerJobSettings.parseNodeSelector(values.text(ConfigKey.CYCLE_KUBERNETES_NODE_SELECTOR));
        } catch (IllegalArgumentException e) {
            throw values.invalid(ConfigKey.CYCLE_KUBERNETES_NODE_SELECTOR, e.getMessage());
        }
    }

    private static java.util.List<io.fabric8.kubernetes.api.model.Toleration> tolerations(ConfigValues values) {
        try {
            return TrainerJobSettings.parseTolerations(values.text(ConfigKey.CYCLE_KUBERNETES_TOLERATIONS));
        } catch (IllegalArgumentException e) {
            throw values.invalid(ConfigKey.CYCLE_KUBERNETES_TOLERATIONS, e.getMessage());
        }
    }

    /** A Kubernetes object name (DNS label rules), or empty. */
    private static Optional<String> name(ConfigValues values, ConfigKey key) {
        String text = values.text(key);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        if (!text.matches("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")) {
            throw values.invalid(key, "is not a Kubernetes name (lower-case letters, digits, '-' and '.')");
        }
        return Optional.of(text);
    }

    private static String quantity(ConfigValues values, ConfigKey key) {
        String text = values.text(key);
        if (!text.matches("[0-9]+(\\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?")) {
            throw values.invalid(key, "is not a Kubernetes quantity (e.g. 4, 500m, 16Gi)");
        }
        return text;
    }

    static LifecycleSettings of(Map<ConfigKey, String> texts) {
        ConfigValues values = new ConfigValues();
        texts.forEach((key, value) -> values.set(key, value, "code"));
        return from(values);
    }

    /** The schedule these settings describe: the one in force while no operator has saved another. */
    public CycleSchedule schedule() {
        return new CycleSchedule(scheduleCron, scheduleNewPreferences, schedulePreset, autoPromote, true, null, null);
    }
}
