package ai.kaizen.model.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import ai.kaizen.model.config.Json;
import ai.kaizen.model.config.LlamaConfig;
import ai.kaizen.model.llama.ForwardOutput;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.ModelOptions;
import ai.kaizen.model.safetensors.SafetensorsReader;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoraTest {

    @TempDir
    Path tmp;

    static final LlamaConfig CONFIG = LlamaConfig.builder().hiddenSize(32).intermediateSize(64).numLayers(2)
            .numHeads(4).numKvHeads(2).vocabSize(61).build();

    static final LoraConfig LORA = LoraConfig.of(4, 8, 0.0, List.of("q_proj", "v_proj", "down_proj"));

    static float[] logits(LlamaModel model) {
        try (NDManager m = model.manager().newSubManager()) {
            NDArray ids = m.create(new long[] {5, 17, 3, 42, 8, 0, 0, 9, 11, 60}, new Shape(2, 5));
            NDArray mask = m.create(new long[] {1, 1, 1, 1, 1, 0, 0, 1, 1, 1}, new Shape(2, 5));
            try (ForwardOutput out = model.forward(ids, mask, false)) {
                return out.logits().toFloatArray();
            }
        }
    }

    static void randomiseB(Lora lora, long seed) {
        java.util.Random r = new java.util.Random(seed);
        for (LoraAdapter a : lora.adapters()) {
            NDArray b = a.b().getArray();
            float[] v = new float[(int) b.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (r.nextGaussian() * 0.1);
            }
            b.set(new NDIndex("..."), b.getManager().create(v, b.getShape()));
        }
    }

    static void assertClose(float[] a, float[] b, float tolerance) {
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.length; i++) {
            assertThat(a[i]).isCloseTo(b[i], within(tolerance));
        }
    }

    @Test
    void zeroInitialisedBLeavesTheModelUnchanged() {
        try (LlamaModel model = LlamaModel.random(CONFIG, ModelOptions.DEFAULT, 1)) {
            float[] base = logits(model);
            try (Lora lora = Lora.attach(model, LORA, 2)) {
                assertThat(lora.adapters()).hasSize(2 * 3);
                assertThat(lora.parameters().size()).isEqualTo(2 * 3 * 2);
                assertThat(logits(model)).containsExactly(base);
            }
        }
    }

    @Test
    void disabledAdaptersComputeExactlyTheBaseAndEnablingThemRestoresTheAdaptedModel() {
        try (LlamaModel model = LlamaModel.random(CONFIG, ModelOptions.DEFAULT, 1)) {
            float[] base = logits(model);
            try (Lora lora = Lora.attach(model, LORA, 2)) {
                randomiseB(lora, 3);
                float[] adapted = logits(model);
                assertThat(adapted).isNotEqualTo(base);
                lora.setEnabled(false);
                assertThat(lora.isEnabled()).isFalse();
                assertThat(logits(model)).containsExactly(base); // PPO's reference: no second copy needed
                lora.setEnabled(true);
                assertThat(logits(model)).containsExactly(adapted);
                lora.merge();
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> lora.setEnabled(false))
                        .isInstanceOf(IllegalStateException.class);
            }
        }
    }

    @Test
    void mergedWeightsEqualTheAdapterPathAndUnmergeRestoresTheBase() {
        try (LlamaModel model = LlamaModel.random(CONFIG, ModelOptions.DEFAULT, 1)) {
            float[] base = logits(model);
            try (Lora lora = Lora.attach(model, LORA, 2)) {
                randomiseB(lora, 3);
                float[] adapted = logits(model);
                assertThat(adapted).isNotEqualTo(base);
                lora.merge();
                assertThat(lora.isMerged()).isTrue();
                assertClose(logits(model), adapted, 1e-4f);
                lora.unmerge();
                assertClose(logits(model), adapted, 1e-4f);
                lora.merge();
                lora.unmerge();
            }
            assertClose(logits(model), base, 1e-4f);
        }
    }

    @Test
    void gradientsReachOnlyAdapterWeights() {
        try (LlamaModel model = LlamaModel.random(CONFIG, ModelOptions.DEFAULT, 1);
                Lora lora = Lora.attach(model, LORA, 2);
                NDManager m = model.manager().newSubManager()) {
            randomiseB(lora, 4);
            NDArray ids = m.create(new long[] {5, 17, 3, 42, 8, 0, 0, 9, 11, 60}, new Shape(2, 5));
            NDArray mask = m.create(new long[] {1, 1, 1, 1, 1, 0, 0, 1, 1, 1}, new Shape(2, 5));
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                ForwardOutput out = model.forward(ids, mask, true);
                NDArray loss = out.logits().logSoftmax(2).get(new NDIndex(":, :, 7")).mean();
                collector.backward(loss);
            }
            for (Pair<String, Parameter> p : lora.parameters()) {
                NDArray grad = p.getValue().getArray().getGradient();
                float size = grad.abs().sum().getFloat();
                assertThat(Float.isFinite(size)).as(p.getKey()).isTrue();
                assertThat(size).as(p.getKey()).isGreaterThan(0f);
            }
            for (Pair<String, Parameter> p : model.parameters()) {
                assertThat(p.getValue().getArray().hasGradient()).as(p.getKey()).isFalse();
            }
        }
    }

    /**
     * Regression: DJL's scalar operations keep their scalar in a Java buffer that the garbage
     * collector frees while autograd still needs it; a collection between forward and backward
     * turned every adapter gradient into NaN.
     */
    @Test
    void gradientsStayFiniteWhenTheGarbageCollectorRunsBeforeBackward() {
        try (LlamaModel model = LlamaModel.random(CONFIG, ModelOptions.DEFAULT, 1);
                Lora lora = Lora.attach(model, LORA, 2)) {
            randomiseB(lora, 4);
            for (int round = 0; round < 3; round++) {
                try (NDManager m = model.manager().newSubManager()) {
                    NDArray ids = m.create(new long[] {5, 17, 3, 42, 8}, new Shape(1, 5));
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        ForwardOutput out = model.forward(ids, null, true);
                        NDArray loss = ai.kaizen.model.training.TokenLogprobs.ofInputs(out.logits(), ids, 0.7).sum();
                        for (int i = 0; i < 3; i++) {
                            System.gc();
                            byte[][] garbage = new byte[64][];
                            for (int j = 0; j < garbage.length; j++) {
                                garbage[j] = new byte[1 << 20];
                            }
                        }
                        collector.backward(loss);
                    }
                    double norm = ai.kaizen.model.training.Gradients.globalNorm(lora.parameters());
                    assertThat(Double.isFinite(norm)).isTrue();
                    assertThat(norm).isGreaterThan(0);
                    ai.kaizen.model.training.Gradients.zero(lora.parameters());
                }
            }
        }
    }

    @Test
    void savesAndLoadsPeftLayout() {
        Path dir = tmp.resolve("adapter");
        float[] adapted;
        try (LlamaModel model = LlamaModel.random(CONFIG, ModelOptions.DEFAULT, 1);
                Lora lora = Lora.attach(model, LORA, 2)) {
            randomiseB(lora, 5);
            adapted = logits(model);
            lora.save(dir, "kaizen/base");
        }
        JsonObject config = Json.readObject(dir.resolve("adapter_config.json"));
        assertThat(config.get("peft_type").getAsString()).isEqualTo("LORA");
        assertThat(config.get("r").getAsInt()).isEqualTo(4);
        assertThat(config.get("lora_alpha").getAsDouble()).isEqualTo(8.0);
        assertThat(config.get("base_model_name_or_path").getAsString()).isEqualTo("kaizen/base");
        try (SafetensorsReader r = SafetensorsReader.open(dir.resolve("adapter_model.safetensors"))) {
            assertThat(r.names()).contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
                    "base_model.model.model.layers.1.mlp.down_proj.lora_B.weight").hasSize(12);
            assertThat(r.info("base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight").shape())
                    .containsExactly(16, 4);
            assertThat(r.info("base_model.model.model.layers.0.mlp.down_proj.lora_A.weight").shape())
                    .containsExactly(4, 64);
        }
        try (LlamaModel fresh = LlamaModel.random(CONFIG, ModelOptions.DEFAULT, 1);
                Lora loaded = Lora.load(fresh, dir)) {
            assertThat(loaded.config().scaling()).isEqualTo(2.0);
            assertThat(logits(fresh)).containsExactly(adapted);
        }
    }

    @Test
    void adaptersCanBeTrainedInFloat32AndDetached() {
        try (LlamaModel model = LlamaModel.random(CONFIG, ModelOptions.DEFAULT, 1)) {
            float[] base = logits(model);
            Lora lora = Lora.attach(model, LoraConfig.of(2, 4, 0.1, List.of("gate_proj", "o_proj")), 9);
            randomiseB(lora, 1);
            assertThat(logits(model)).isNotEqualTo(base);
            lora.close();
            assertThat(logits(model)).containsExactly(base);
            assertThat(model.parameters().get(0).getValue().getArray().getDataType()).isEqualTo(DataType.FLOAT32);
        }
    }
}
