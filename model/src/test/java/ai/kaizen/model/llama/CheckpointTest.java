package ai.kaizen.model.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.kaizen.model.Fixtures;
import ai.kaizen.model.ModelException;
import ai.kaizen.model.UnsupportedModelException;
import ai.kaizen.model.config.Architecture;
import ai.kaizen.model.config.LlamaConfig;
import ai.kaizen.model.config.RopeScaling;
import ai.kaizen.model.safetensors.Bf16;
import ai.kaizen.model.safetensors.DType;
import ai.kaizen.model.safetensors.SafetensorsReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {

    @TempDir
    Path tmp;

    static LlamaConfig smallGqa() {
        return LlamaConfig.builder().hiddenSize(48).intermediateSize(96).numLayers(2).numHeads(6).numKvHeads(2)
                .vocabSize(97).maxPositionEmbeddings(64).build();
    }

    /** Logits for a fixed padded batch. */
    static float[] logits(LlamaModel model) {
        try (NDManager m = model.manager().newSubManager()) {
            long v = model.config().vocabSize();
            long[] raw = {5, 17, 3, 42, 8, 0, 0, 9, 11, 60};
            for (int i = 0; i < raw.length; i++) {
                raw[i] %= v;
            }
            NDArray ids = m.create(raw, new Shape(2, 5));
            NDArray mask = m.create(new long[] {1, 1, 1, 1, 1, 0, 0, 1, 1, 1}, new Shape(2, 5));
            try (ForwardOutput out = model.forward(ids, mask, false)) {
                return out.logits().toType(DataType.FLOAT32, false).toFloatArray();
            }
        }
    }

    @Test
    void savedAndReloadedModelGivesIdenticalLogits() throws IOException {
        Path dir = tmp.resolve("saved");
        try (LlamaModel model = LlamaModel.random(smallGqa(), ModelOptions.DEFAULT, 1)) {
            float[] before = logits(model);
            model.save(dir, DType.F32);
            try (LlamaModel reloaded = LlamaModel.load(dir, ModelOptions.DEFAULT)) {
                assertThat(logits(reloaded)).containsExactly(before);
            }
        }
        try (SafetensorsReader r = SafetensorsReader.open(dir)) {
            assertThat(r.names()).contains("model.embed_tokens.weight", "lm_head.weight", "model.norm.weight",
                    "model.layers.1.self_attn.q_proj.weight", "model.layers.1.self_attn.k_proj.weight",
                    "model.layers.1.self_attn.v_proj.weight", "model.layers.1.self_attn.o_proj.weight",
                    "model.layers.1.mlp.gate_proj.weight", "model.layers.1.mlp.up_proj.weight",
                    "model.layers.1.mlp.down_proj.weight", "model.layers.1.input_layernorm.weight",
                    "model.layers.1.post_attention_layernorm.weight").hasSize(3 + 2 * 9);
            assertThat(r.info("model.layers.0.self_attn.k_proj.weight").shape()).containsExactly(16, 48);
            assertThat(r.info("model.layers.0.mlp.down_proj.weight").shape()).containsExactly(48, 96);
            assertThat(r.metadata()).containsEntry("format", "pt");
        }
        assertThat(LlamaConfig.load(dir).numKvHeads()).isEqualTo(2);
    }

    @Test
    void bf16CopyLoadsAndAgreesWithinBf16Rounding() {
        Path dir = tmp.resolve("bf16");
        try (LlamaModel f32 = LlamaModel.load(Fixtures.stories260k(), ModelOptions.DEFAULT)) {
            f32.save(dir, DType.BF16);
            try (SafetensorsReader r = SafetensorsReader.open(dir)) {
                assertThat(r.info("model.embed_tokens.weight").dtype()).isEqualTo(DType.BF16);
            }
            assertThat(LlamaConfig.load(dir).toJson("x").get("architectures").toString()).contains("LlamaForCausalLM");
            try (LlamaModel bf16 = LlamaModel.load(dir, ModelOptions.DEFAULT)) {
                // every weight is exactly the F32 weight rounded to bfloat16
                for (int i = 0; i < f32.parameters().size(); i++) {
                    float[] a = f32.parameters().get(i).getValue().getArray().toFloatArray();
                    float[] b = bf16.parameters().get(i).getValue().getArray().toFloatArray();
                    for (int k = 0; k < a.length; k++) {
                        assertThat(b[k]).isEqualTo(Bf16.round(a[k]));
                    }
                }
                float[] la = logits(f32);
                float[] lb = logits(bf16);
                double maxAbs = 0;
                double maxDiff = 0;
                for (int k = 0; k < la.length; k++) {
                    maxAbs = Math.max(maxAbs, Math.abs(la[k]));
                    maxDiff = Math.max(maxDiff, Math.abs(la[k] - lb[k]));
                }
                // bfloat16 keeps 8 bits of mantissa: about 0.4% relative error per weight
                assertThat(maxDiff).isLessThan(0.05 * maxAbs).isGreaterThan(0);
            }
        }
    }

    @Test
    void float16ModelOptionRunsCloseToFloat32() {
        try (LlamaModel f32 = LlamaModel.load(Fixtures.stories260k(), ModelOptions.DEFAULT);
                LlamaModel f16 = LlamaModel.load(Fixtures.stories260k(), ModelOptions.of(DataType.FLOAT16))) {
            assertThat(f16.parameters().get(0).getValue().getArray().getDataType()).isEqualTo(DataType.FLOAT16);
            float[] la = logits(f32);
            float[] lb = logits(f16);
            for (int k = 0; k < la.length; k++) {
                assertThat((double) lb[k]).isCloseTo(la[k], org.assertj.core.api.Assertions.within(0.05 + 0.01 * Math.abs(la[k])));
            }
        }
    }

    @Test
    void qwen2StyleModelWithBiasesRunsAndRoundTrips() {
        LlamaConfig qwen = LlamaConfig.builder().architecture(Architecture.QWEN2_CAUSAL_LM).hiddenSize(32)
                .intermediateSize(64).numLayers(2).numHeads(4).numKvHeads(2).vocabSize(50).tieWordEmbeddings(true)
                .ropeTheta(1_000_000).rmsNormEps(1e-6).build();
        assertThat(qwen.qkvBias()).isTrue();
        assertThat(qwen.outputBias()).isFalse();
        Path dir = tmp.resolve("qwen");
        try (LlamaModel model = LlamaModel.random(qwen, ModelOptions.DEFAULT, 3)) {
            float[] withoutBias = logits(model);
            for (Projection p : model.projections()) {
                if (p.bias() != null) {
                    NDArray b = p.bias().getArray();
                    b.set(new ai.djl.ndarray.index.NDIndex("..."), model.manager().randomNormal(0, 0.5f, b.getShape(),
                            DataType.FLOAT32));
                }
            }
            float[] withBias = logits(model);
            assertThat(withBias).isNotEqualTo(withoutBias);
            model.save(dir, DType.F32);
            LlamaConfig written = LlamaConfig.load(dir);
            assertThat(written.architecture()).isEqualTo(Architecture.QWEN2_CAUSAL_LM);
            assertThat(written.qkvBias()).isTrue();
            try (SafetensorsReader r = SafetensorsReader.open(dir)) {
                assertThat(r.names()).contains("model.layers.0.self_attn.q_proj.bias",
                        "model.layers.0.self_attn.k_proj.bias", "model.layers.0.self_attn.v_proj.bias")
                        .doesNotContain("lm_head.weight", "model.layers.0.self_attn.o_proj.bias");
                assertThat(r.info("model.layers.0.self_attn.k_proj.bias").shape()).containsExactly(16);
            }
            try (LlamaModel reloaded = LlamaModel.load(dir, ModelOptions.DEFAULT)) {
                assertThat(logits(reloaded)).containsExactly(withBias);
            }
        }
    }

    @Test
    void shardedCheckpointLoads() throws IOException {
        Path dir = tmp.resolve("sharded");
        try (LlamaModel model = LlamaModel.random(smallGqa(), ModelOptions.DEFAULT, 5)) {
            float[] before = logits(model);
            model.save(dir, DType.F16, 40_000);
            List<String> files;
            try (Stream<Path> s = Files.list(dir)) {
                files = s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
            }
            assertThat(files).contains("model.safetensors.index.json", "config.json")
                    .doesNotContain("model.safetensors");
            long shards = files.stream().filter(f -> f.matches("model-\\d{5}-of-\\d{5}\\.safetensors")).count();
            assertThat(shards).isGreaterThan(2);
            try (LlamaModel reloaded = LlamaModel.load(dir, ModelOptions.DEFAULT)) {
                float[] after = logits(reloaded);
                for (int k = 0; k < before.length; k++) {
                    assertThat((double) after[k]).isCloseTo(before[k], org.assertj.core.api.Assertions.within(2e-3));
                }
            }
            // saving again unsharded replaces the shards instead of leaving two checkpoints
            model.save(dir, DType.F32);
            try (Stream<Path> s = Files.list(dir)) {
                assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("model.safetensors",
                        "config.json");
            }
        }
    }

    @Test
    void tiedParametersAreListedOnce() {
        try (LlamaModel model = LlamaModel.load(Fixtures.stories260k(), ModelOptions.DEFAULT)) {
            List<String> names = model.parameters().keys();
            assertThat(names).doesNotContain("lm_head.weight").contains("model.layers.4.self_attn.qkv_proj.weight",
                    "model.layers.4.mlp.gate_up_proj.weight");
            long count = 0;
            for (Parameter p : model.parameters().values()) {
                count += p.getArray().size();
            }
            assertThat(count).isEqualTo(model.config().parameterCount()).isEqualTo(260_032L);
        }
    }

    @Test
    void unsupportedModelsFailWithAClearMessage() throws IOException {
        Path dir = tmp.resolve("bad");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), "{\"architectures\": [\"MistralForCausalLM\"], \"hidden_size\": 8}");
        assertThatThrownBy(() -> LlamaModel.load(dir, ModelOptions.DEFAULT))
                .isInstanceOf(UnsupportedModelException.class)
                .hasMessageContaining("MistralForCausalLM");
        String base = "{\"architectures\": [\"LlamaForCausalLM\"], \"hidden_size\": 8, \"intermediate_size\": 16,"
                + "\"num_hidden_layers\": 1, \"num_attention_heads\": 2, \"vocab_size\": 10";
        assertThatThrownBy(() -> LlamaConfig.parse(base + ", \"hidden_act\": \"gelu\"}"))
                .isInstanceOf(UnsupportedModelException.class).hasMessageContaining("gelu");
        assertThatThrownBy(() -> LlamaConfig.parse(base + ", \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4}}"))
                .isInstanceOf(UnsupportedModelException.class).hasMessageContaining("yarn");
        assertThatThrownBy(() -> LlamaConfig.parse("{\"architectures\": [\"LlamaForCausalLM\"]}"))
                .isInstanceOf(ModelException.class).hasMessageContaining("hidden_size");
        assertThatThrownBy(() -> LlamaModel.load(tmp.resolve("missing"), ModelOptions.DEFAULT))
                .isInstanceOf(ModelException.class).hasMessageContaining("missing");
        Files.writeString(dir.resolve("config.json"), base + "}");
        assertThatThrownBy(() -> LlamaModel.load(dir, ModelOptions.DEFAULT))
                .isInstanceOf(ModelException.class).hasMessageContaining("model.safetensors");
    }

    @Test
    void llama3RopeScalingIsParsedAndRuns() {
        LlamaConfig config = LlamaConfig.parse("{\"architectures\": [\"LlamaForCausalLM\"], \"hidden_size\": 32,"
                + "\"intermediate_size\": 64, \"num_hidden_layers\": 1, \"num_attention_heads\": 4,"
                + "\"num_key_value_heads\": 1, \"vocab_size\": 40, \"rope_theta\": 500000.0, \"tie_word_embeddings\": true,"
                + "\"rope_scaling\": {\"factor\": 32.0, \"high_freq_factor\": 4.0, \"low_freq_factor\": 1.0,"
                + "\"original_max_position_embeddings\": 8192, \"rope_type\": \"llama3\"},"
                + "\"max_position_embeddings\": 131072, \"eos_token_id\": [1, 2]}");
        assertThat(config.ropeScaling()).isEqualTo(new RopeScaling("llama3", 32, 1, 4, 8192));
        assertThat(config.eosTokenIds()).containsExactly(1, 2);
        double[] freq = {1.0, 1e-3, 1e-5};
        config.ropeScaling().apply(freq);
        // high frequencies are kept, low ones divided by the factor
        assertThat(freq[0]).isEqualTo(1.0);
        assertThat(freq[2]).isEqualTo(1e-5 / 32);
        try (LlamaModel model = LlamaModel.random(config, ModelOptions.DEFAULT, 1)) {
            assertThat(logits(model)).hasSize(2 * 5 * 40);
        }
    }
}
