package ai.kaizen.model.llama;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.kaizen.model.config.LlamaConfig;
import org.junit.jupiter.api.Test;

/** The rotary tables grow past their first 1,024 positions, and what grows stays with the model. */
class RopeTablesTest {

    @Test
    void tablesGrownInsideAScopedPassOutliveTheScope() {
        LlamaConfig config = LlamaConfig.parse("{\"architectures\": [\"LlamaForCausalLM\"], \"hidden_size\": 8,"
                + " \"intermediate_size\": 16, \"num_hidden_layers\": 1, \"num_attention_heads\": 2,"
                + " \"vocab_size\": 10, \"max_position_embeddings\": 2048}");
        int length = 1500;
        try (LlamaModel model = LlamaModel.random(config, ModelOptions.DEFAULT, 1)) {
            float first;
            // as a training step runs its forward pass: inside a scope that closes every array made in it
            try (NDManager m = model.manager().newSubManager(); NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                first = lastLogit(model, m, length);
            }
            try (NDManager m = model.manager().newSubManager()) {
                assertThat(lastLogit(model, m, length)).isEqualTo(first);
            }
        }
    }

    private static float lastLogit(LlamaModel model, NDManager m, int length) {
        long[] ids = new long[length];
        long[] mask = new long[length];
        for (int i = 0; i < length; i++) {
            ids[i] = i % 10;
            mask[i] = 1;
        }
        NDArray logits = model.forward(m.create(ids, new Shape(1, length)), m.create(mask, new Shape(1, length)),
                false).logits();
        return logits.get(0, length - 1, 3).getFloat();
    }
}
