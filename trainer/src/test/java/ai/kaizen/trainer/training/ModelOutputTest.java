package ai.kaizen.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.index.NDIndex;
import ai.kaizen.model.Fixtures;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.config.Json;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.lora.Lora;
import ai.kaizen.model.lora.LoraAdapter;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.registry.ArtifactStore;
import ai.kaizen.trainer.registry.LocalArtifactStore;
import ai.kaizen.trainer.sft.TestData;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one output writer every trainer uses, written and read back the ways Kaizen reads models: {@code
 * LanguageModel.load} (the command line, the trainers' next stages, hot swap), PEFT's adapter files, and a copy in
 * the model registry.
 */
class ModelOutputTest {

    @TempDir
    static Path tmp;

    /** The base weights, and the weights of the base with the test's adapters merged in. */
    private static Map<String, float[]> base;
    private static Map<String, float[]> adapted;

    @BeforeAll
    static void writeOutputs() {
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k())) {
            base = TestData.snapshot(lm.network().parameters());
            ModelOutput.save(lm, null, false, tmp.resolve("full"));
            try (Lora lora = Lora.attach(lm.network(), LoraSettings.DEFAULT.toLoraConfig(), 7)) {
                for (LoraAdapter a : lora.adapters()) {
                    a.b().getArray().set(new NDIndex("..."), 0.05f); // fresh adapters are zero: make them count
                }
                ModelOutput.save(lm, lora, true, tmp.resolve("lora-merged"));
                ModelOutput.save(lm, lora, false, tmp.resolve("lora-adapters"));
                // the model in memory is untouched by the merge that saving did
                assertThat(TestData.maxAbsDiff(base, TestData.snapshot(lm.network().parameters()))).isZero();
                lora.merge();
                adapted = TestData.snapshot(lm.network().parameters());
                lora.unmerge();
            }
        }
        assertThat(TestData.maxAbsDiff(base, adapted)).isGreaterThan(1e-3);
    }

    @Test
    void fullFineTuningWritesAHuggingFaceModel() {
        Path dir = tmp.resolve("full");
        assertThat(dir.resolve("config.json")).exists();
        assertThat(dir.resolve("chat_template.jinja")).exists();
        assertThat(dir.resolve(Lora.CONFIG_FILE)).doesNotExist();
        assertThat(loadedWeightsDiffer(dir, base)).isZero();
    }

    @Test
    void loraWritesPeftAdaptersAtTheTopAndTheMergedModelBeside() {
        Path dir = tmp.resolve("lora-merged");
        assertThat(dir.resolve(Lora.CONFIG_FILE)).exists();
        assertThat(dir.resolve(Lora.WEIGHTS_FILE)).exists();
        assertThat(dir.resolve("tokenizer.json")).exists();
        assertThat(dir.resolve("chat_template.jinja")).exists();
        assertThat(dir.resolve("config.json")).doesNotExist();
        assertThat(dir.resolve(ModelOutput.MERGED_DIR).resolve("config.json")).exists();
        assertThat(Path.of(Json.readObject(dir.resolve(Lora.CONFIG_FILE)).get("base_model_name_or_path")
                .getAsString())).isAbsolute();
        assertThat(LanguageModel.isModelDirectory(dir)).isTrue();
        assertThat(LanguageModel.fullModelDirectory(dir)).isEqualTo(dir.resolve(ModelOutput.MERGED_DIR));
        assertThat(loadedWeightsDiffer(dir, adapted)).isZero();
    }

    @Test
    void adaptersWithoutAMergedModelLoadOntoTheirBase() {
        Path dir = tmp.resolve("lora-adapters");
        assertThat(dir.resolve(ModelOutput.MERGED_DIR)).doesNotExist();
        assertThat(LanguageModel.isModelDirectory(dir)).isTrue();
        // merged on load: float32 rounding of W + BA only
        assertThat(loadedWeightsDiffer(dir, adapted)).isLessThan(1e-6);
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k());
                Lora lora = Lora.load(lm.network(), dir)) { // what PeftModel.from_pretrained reads
            lora.merge();
            assertThat(TestData.maxAbsDiff(adapted, TestData.snapshot(lm.network().parameters()))).isZero();
        }
    }

    @Test
    void aRegisteredCopyLoadsAsTheServerLoadsIt() {
        LocalArtifactStore artifacts = new LocalArtifactStore(tmp.resolve("models"));
        for (String name : List.of("lora-merged", "lora-adapters")) {
            ArtifactStore.Stored stored = artifacts.store(tmp.resolve(name), name + "-v1");
            Path dir = artifacts.open(stored.location(), stored.sha256());
            assertThat(loadedWeightsDiffer(dir, adapted)).isLessThan(1e-6);
            try (LanguageModel lm = LanguageModel.load(dir)) {
                assertThat(lm.generator().chat(List.of(ChatMessage.user("Hi")), GenerationOptions.greedy(4),
                        token -> true).tokenIds()).isNotEmpty();
            }
        }
    }

    private static double loadedWeightsDiffer(Path dir, Map<String, float[]> expected) {
        try (LanguageModel lm = LanguageModel.load(dir)) {
            return TestData.maxAbsDiff(expected, TestData.snapshot(lm.network().parameters()));
        }
    }
}
