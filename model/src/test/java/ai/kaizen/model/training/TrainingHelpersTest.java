package ai.kaizen.model.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import ai.kaizen.model.Fixtures;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.generation.GenerationResult;
import ai.kaizen.model.generation.TokenListener;
import ai.kaizen.model.llama.ForwardOutput;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.lora.Lora;
import ai.kaizen.model.lora.LoraConfig;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingHelpersTest {

    @Test
    void tokenLogprobsMatchGenerationAndCarryGradients() {
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k())) {
            LlamaModel model = lm.network();
            GenerationOptions sampling = GenerationOptions.builder().doSample(true).temperature(0.7).seed(3L)
                    .maxNewTokens(12).build();
            GenerationResult r = lm.generator().generate("Once upon a time", sampling, TokenListener.NONE);
            int[] all = r.allIds();
            try (Lora lora = Lora.attach(model, LoraConfig.of(2, 4, 0, List.of("q_proj", "v_proj")), 1);
                    NDManager m = model.manager().newSubManager()) {
                NDArray ids = m.create(Arrays.stream(all).asLongStream().toArray(), new Shape(1, all.length));
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    ForwardOutput out = model.forward(ids, null, true);
                    NDArray logp = TokenLogprobs.ofInputs(out.logits(), ids, 0.7);
                    assertThat(logp.getShape()).isEqualTo(new Shape(1, all.length));
                    assertThat(logp.getFloat(0, 0)).isZero();
                    int p = r.promptIds().length;
                    for (int i = 0; i < r.tokenIds().length; i++) {
                        // the generator reports log softmax(logits / T), as PPO's old log-probs
                        assertThat(logp.getFloat(0, p + i)).isCloseTo(r.logprobs()[i], within(1e-4f));
                    }
                    collector.backward(logp.sum().neg());
                }
                double norm = Gradients.globalNorm(lora.parameters());
                assertThat(Double.isFinite(norm)).isTrue();
                assertThat(norm).isGreaterThan(0);
                double before = Gradients.clipGlobalNorm(lora.parameters(), norm / 2);
                assertThat(before).isCloseTo(norm, within(1e-6));
                assertThat(Gradients.globalNorm(lora.parameters())).isCloseTo(norm / 2, within(norm * 1e-3));
                assertThat(Gradients.trainable(lora.parameters())).hasSize(lora.parameters().size());
                Gradients.zero(lora.parameters());
                assertThat(Gradients.globalNorm(lora.parameters())).isZero();
                for (Pair<String, Parameter> base : model.parameters()) {
                    assertThat(base.getValue().getArray().hasGradient()).isFalse();
                }
            }
        }
    }
}
