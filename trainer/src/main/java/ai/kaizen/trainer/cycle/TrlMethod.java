package ai.kaizen.trainer.cycle;

import ai.kaizen.trainer.dataset.DatasetKind;

import java.util.Arrays;
import java.util.Locale;

/**
 * The TRL trainers the external stage can hand a cycle to, each with its command ({@code trl sft}, ...) and the
 * dataset shape it reads: SFT conversations ({@code messages}), preference pairs ({@code prompt}/{@code chosen}/
 * {@code rejected}), unpaired labels ({@code prompt}/{@code completion}/{@code label}), or prompts alone for the
 * online methods, which sample their own answers.
 */
public enum TrlMethod {
    SFT(DatasetKind.SFT, false),
    DPO(DatasetKind.PREFERENCE, false),
    KTO(DatasetKind.THUMBS, false),
    GRPO(DatasetKind.PREFERENCE, true),
    RLOO(DatasetKind.PREFERENCE, true);

    private final DatasetKind source;
    private final boolean promptsOnly;

    TrlMethod(DatasetKind source, boolean promptsOnly) {
        this.source = source;
        this.promptsOnly = promptsOnly;
    }

    /** The command of TRL's CLI: {@code sft}, {@code dpo}, ... */
    public String command() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The cycle dataset the export is made from (the online methods take the preference pairs' prompts). */
    public DatasetKind source() {
        return source;
    }

    /** Whether TRL reads prompts alone ({@code {"prompt": [...]}}). */
    public boolean promptsOnly() {
        return promptsOnly;
    }

    public static TrlMethod parse(String text) {
        return Arrays.stream(values()).filter(m -> m.command().equals(text)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown TRL method '" + text + "'; methods are "
                        + Arrays.stream(values()).map(TrlMethod::command).toList()));
    }
}
