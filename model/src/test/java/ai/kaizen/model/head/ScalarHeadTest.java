package ai.kaizen.model.head;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.kaizen.model.config.Architecture;
import ai.kaizen.model.config.LlamaConfig;
import ai.kaizen.model.llama.ForwardOutput;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.ModelOptions;
import ai.kaizen.model.safetensors.DType;
import ai.kaizen.model.safetensors.SafetensorsReader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScalarHeadTest {

    @TempDir
    Path tmp;

    static final LlamaConfig CONFIG = LlamaConfig.builder().hiddenSize(32).intermediateSize(64).numLayers(2)
            .numHeads(4).numKvHeads(2).vocabSize(61).build();

    /** Scores of "5 17 3" alone, left-padded and right-padded in a batch. */
    static float[] scores(LlamaModel model, ScalarHead head) {
        try (NDManager m = model.manager().newSubManager()) {
            NDArray ids = m.create(new long[] {0, 0, 5, 17, 3, 5, 17, 3, 0, 0}, new Shape(2, 5));
            NDArray mask = m.create(new long[] {0, 0, 1, 1, 1, 1, 1, 1, 0, 0}, new Shape(2, 5));
            try (ForwardOutput out = model.hiddenStates(ids, mask, false)) {
                assertThat(out.logits()).isNull();
                return head.score(out.hidden(), mask).toFloatArray();
            }
        }
    }

    @Test
    void scoresTheLastRealTokenWhateverThePadding() {
        try (LlamaModel model = LlamaModel.random(CONFIG, ModelOptions.DEFAULT, 1);
                ScalarHead head = ScalarHead.create(model, 2);
                NDManager m = model.manager().newSubManager()) {
            NDArray ids = m.create(new long[] {5, 17, 3}, new Shape(1, 3));
            float alone;
            try (ForwardOutput out = model.hiddenStates(ids, null, false)) {
                NDArray values = head.values(out.hidden());
                assertThat(values.getShape()).isEqualTo(new Shape(1, 3));
                alone = values.getFloat(0, 2);
                assertThat(head.score(out.hidden(), null).getFloat(0)).isEqualTo(alone);
            }
            float[] s = scores(model, head);
            assertThat(s[0]).isCloseTo(alone, within(1e-5f));
            assertThat(s[1]).isCloseTo(alone, within(1e-5f));
        }
    }

    @Test
    void savedBesideTheBackboneAndAsASequenceClassifier() {
        Path beside = tmp.resolve("value-model");
        Path classifier = tmp.resolve("reward-model");
        float[] expected;
        try (LlamaModel model = LlamaModel.random(CONFIG, ModelOptions.DEFAULT, 1);
                ScalarHead head = ScalarHead.create(model, 2)) {
            expected = scores(model, head);
            model.save(beside, DType.F32);
            head.save(beside);
            ScalarHead.saveAsSequenceClassifier(model, head, classifier, DType.F32);
        }
        assertThat(Files.exists(beside.resolve("scalar_head.safetensors"))).isTrue();
        try (LlamaModel model = LlamaModel.load(beside, ModelOptions.DEFAULT);
                ScalarHead head = ScalarHead.load(model, beside)) {
            assertThat(scores(model, head)).containsExactly(expected);
        }
        LlamaConfig written = LlamaConfig.load(classifier);
        assertThat(written.architecture()).isEqualTo(Architecture.LLAMA_SEQUENCE_CLASSIFICATION);
        assertThat(written.padTokenId()).isEqualTo(2);
        try (SafetensorsReader r = SafetensorsReader.open(classifier)) {
            assertThat(r.names()).contains("score.weight", "model.embed_tokens.weight").doesNotContain("lm_head.weight");
        }
        try (LlamaModel model = LlamaModel.load(classifier, ModelOptions.DEFAULT);
                ScalarHead head = ScalarHead.load(model, classifier)) {
            assertThat(model.hasLmHead()).isFalse();
            assertThat(scores(model, head)).containsExactly(expected);
        }
    }

    @Test
    void gradientsReachTheHeadAndTrainableBackbone() {
        try (LlamaModel model = LlamaModel.random(CONFIG, ModelOptions.DEFAULT, 1);
                ScalarHead head = ScalarHead.create(model, 2);
                NDManager m = model.manager().newSubManager()) {
            model.setTrainable(true);
            NDArray ids = m.create(new long[] {5, 17, 3}, new Shape(1, 3));
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                ForwardOutput out = model.hiddenStates(ids, null, true);
                collector.backward(head.score(out.hidden(), null).sum());
            }
            float headGrad = head.weight().getArray().getGradient().abs().sum().getFloat();
            assertThat(Float.isFinite(headGrad)).isTrue();
            assertThat(headGrad).isGreaterThan(0f);
            assertThat(model.parameters().get("model.layers.0.mlp.down_proj.weight").getArray().getGradient()
                    .abs().sum().getFloat()).isGreaterThan(0f);
        }
    }
}
