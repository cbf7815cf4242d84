package ai.kaizen.db.registry;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static ai.kaizen.db.registry.ModelPromotion.Action.auto_promote;
import static ai.kaizen.db.registry.ModelPromotion.Action.promote;
import static ai.kaizen.db.registry.ModelPromotion.Action.rollback;
import static org.assertj.core.api.Assertions.assertThat;

/** Where a plain "roll back" goes, from the promotion history. */
class RollbackTargetTest {

    /** The history, written oldest first as people read it; the registry hands it newest first. */
    private static List<ModelPromotion> history(Object... actionsAndVersions) {
        List<ModelPromotion> list = new ArrayList<>();
        for (int i = 0; i < actionsAndVersions.length; i += 2) {
            list.add(new ModelPromotion(((Number) actionsAndVersions[i + 1]).longValue(),
                    (ModelPromotion.Action) actionsAndVersions[i], "otto"));
        }
        Collections.reverse(list);
        return list;
    }

    @Test
    void eachRollbackGoesOneStepFurtherBackInsteadOfTogglingBetweenTwoVersions() {
        List<Object> steps = new ArrayList<>(List.of(promote, 1, promote, 2, auto_promote, 3));
        assertThat(ModelRegistry.rollbackTarget(history(steps.toArray()))).contains(2L);
        steps.addAll(List.of(rollback, 2));
        assertThat(ModelRegistry.rollbackTarget(history(steps.toArray()))).contains(1L);
        steps.addAll(List.of(rollback, 1));
        assertThat(ModelRegistry.rollbackTarget(history(steps.toArray()))).as("nothing before the first").isEmpty();
    }

    @Test
    void aPromotionAfterARollbackIsUndoneByTheNextRollback() {
        assertThat(ModelRegistry.rollbackTarget(history(promote, 1, promote, 2, rollback, 1, promote, 3)))
                .contains(1L);
        // promoting the serving version again changes nothing
        assertThat(ModelRegistry.rollbackTarget(history(promote, 1, promote, 2, promote, 2))).contains(1L);
    }

    @Test
    void aRollbackByIdToAVersionThatNeverServedCountsAsAPromotion() {
        assertThat(ModelRegistry.rollbackTarget(history(promote, 1, promote, 3, rollback, 2))).contains(3L);
        assertThat(ModelRegistry.rollbackTarget(history())).isEmpty();
        assertThat(ModelRegistry.rollbackTarget(history(promote, 1))).isEmpty();
    }
}
