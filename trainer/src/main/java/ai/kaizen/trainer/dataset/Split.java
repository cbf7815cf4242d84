package ai.kaizen.trainer.dataset;

import java.util.Locale;

/** Which part of a dataset an example belongs to. */
public enum Split {
    TRAIN, EVAL;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Split of(String label) {
        return valueOf(label.toUpperCase(Locale.ROOT));
    }
}
