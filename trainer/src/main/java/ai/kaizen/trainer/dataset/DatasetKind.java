package ai.kaizen.trainer.dataset;

import java.util.Locale;

/** The three kinds of dataset, each for its own objective. */
public enum DatasetKind {
    /** Demonstrations for supervised fine-tuning. */
    SFT,
    /** Chosen/rejected pairs for a reward model or DPO. */
    PREFERENCE,
    /** Single answers labelled good or bad, for a pointwise (KTO-style) objective. */
    THUMBS;

    /** The name stored in the database and used in file names. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DatasetKind of(String label) {
        return valueOf(label.toUpperCase(Locale.ROOT));
    }
}
