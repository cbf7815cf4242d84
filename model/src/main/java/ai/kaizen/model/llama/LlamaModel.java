package ai.kaizen.model.llama;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.nn.core.Linear;
import ai.kaizen.model.ModelException;
import ai.kaizen.model.config.Json;
import ai.kaizen.model.config.LlamaConfig;
import ai.kaizen.model.safetensors.DType;
import ai.kaizen.model.safetensors.SafetensorsReader;
import ai.kaizen.model.safetensors.SafetensorsWriter;
import ai.kaizen.model.safetensors.TensorInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A Llama-family decoder (Llama 2/3, SmolLM, TinyLlama, Qwen2) as explicit NDArray maths, for
 * both inference and training.
 *
 * <h2>Two ways to run it</h2>
 *
 * <ul>
 *   <li>{@link #forward(NDArray, NDArray, boolean)}: whole sequences with causal and padding masks,
 *       returning logits and final hidden states. Differentiable: call it inside a DJL
 *       {@code GradientCollector} to train.
 *   <li>{@link #nextTokenLogits(KvCache, int[][])}: incremental decoding with a {@link KvCache};
 *       never records gradients. This is what {@code Generator} uses. Depending on
 *       {@link DecodeKernel}, one-token steps run either through the same NDArray network or
 *       through {@code JavaDecoder}, the same maths over decode copies of the weights (native kernels or Java loops)
 *       (tests check that both agree); where the native kernels load, so do prefills.
 * </ul>
 *
 * <h2>Parameters and training</h2>
 *
 * The weights are DJL {@link Parameter}s listed by {@link #parameters()} under Hugging Face names,
 * except that q/k/v and gate/up are stored fused ({@code self_attn.qkv_proj},
 * {@code mlp.gate_up_proj}) and split back into Hugging Face tensors on {@link #save}. The model
 * is deliberately not a DJL {@code Block}: a KV cache and per-row padding do not fit
 * {@code Block.forward(NDList)}. To train, pick the parameters to update, call
 * {@code param.getArray().setRequiresGradient(true)} (or {@link #setTrainable}), run
 * {@code forward} inside {@code Engine.getInstance().newGradientCollector()}, call
 * {@code collector.backward(loss)}, then for each parameter
 * {@code optimizer.update(param.getId(), array, array.getGradient())} with any DJL
 * {@code Optimizer}. All weights start frozen.
 *
 * <h2>Memory</h2>
 *
 * Every forward pass runs in an {@link NDScope}: intermediate arrays are freed when it returns,
 * whatever manager they were attached to. Outputs of {@code forward} are attached to the input's
 * manager; {@code nextTokenLogits} returns Java arrays. The model's own manager holds only weights
 * and constant tables, so a long-running server does not grow native memory.
 *
 * <p>Thread-safety: concurrent inference calls are safe (each uses its own cache); training and
 * weight changes (LoRA merge, {@link #setTrainable}) must not overlap inference.
 */
public final class LlamaModel implements AutoCloseable {

    /** Value added to masked attention scores (float32). */
    private static final float MASK_F32 = -1e9f;

    /** Value added to masked attention scores (float16: finite, so that no row becomes NaN). */
    private static final float MASK_F16 = -3e4f;

    private final LlamaConfig config;
    private final ModelOptions options;
    private final NDManager manager;
    private final Parameter embedTokens; // (vocab, hidden)
    private final List<DecoderLayer> layers;
    private final Parameter norm; // (hidden)
    private final Parameter lmHead; // (vocab, hidden); the same object as embedTokens when tied
    private final Rope rope;
    private final NDArray eps; // scalar, model dtype
    private final NDArray minusHalf; // scalar, model dtype
    private final NDArray headScale; // (1, 1, heads + kvHeads, 1): 1/sqrt(headDim) for query heads, 1 for keys
    private final ParameterList parameters;
    private final List<Projection> projections;
    private volatile boolean trainable;
    private volatile Boolean heapFits;
    private volatile DecodeMatrix lmHeadCopy;
    private final JavaDecoder javaDecoder;
    /** Java key/value arrays of closed caches; an eighth of the heap at most. */
    private final JavaKvPool javaKvPool;

    /** Fills a freshly allocated parameter: from a checkpoint, or randomly. */
    private interface WeightSource {
        /**
         * @param target the array to fill, (rows, ...)
         * @param hfNames the Hugging Face tensors stacked along dim 0 into the target
         * @param kind what the tensor is (for random initialisation)
         */
        void fill(NDArray target, List<String> hfNames, Kind kind);
    }

    private enum Kind { WEIGHT, NORM, BIAS }

    private LlamaModel(LlamaConfig config, ModelOptions options, WeightSource source, boolean withLmHead) {
        this.config = config;
        this.options = options;
        this.manager = NDManager.newBaseManager(options.device());
        manager.setName("kaizen-llama");
        try {
            DataType dt = options.dataType();
            int h = config.hiddenSize();
            parameters = new ParameterList();
            projections = new ArrayList<>();
            embedTokens = parameter("model.embed_tokens.weight", new Shape(config.vocabSize(), h),
                    List.of("model.embed_tokens.weight"), Kind.WEIGHT, source);
            List<DecoderLayer> ls = new ArrayList<>();
            for (int i = 0; i < config.numLayers(); i++) {
                ls.add(layer(i, source));
            }
            layers = Collections.unmodifiableList(ls);
            norm = parameter("model.norm.weight", new Shape(h), List.of("model.norm.weight"), Kind.NORM, source);
            if (config.tieWordEmbeddings()) {
                lmHead = embedTokens;
            } else if (!withLmHead) {
                lmHead = null;
            } else {
                lmHead = parameter("lm_head.weight", new Shape(config.vocabSize(), h), List.of("lm_head.weight"),
                        Kind.WEIGHT, source);
            }
            rope = new Rope(config, manager, dt);
            eps = NativeArrays.scalar(manager, config.rmsNormEps(), dt);
            minusHalf = NativeArrays.scalar(manager, -0.5, dt);
            float[] scale = new float[config.numHeads() + config.numKvHeads()];
            Arrays.fill(scale, 0, config.numHeads(), (float) (1.0 / Math.sqrt(config.headDim())));
            Arrays.fill(scale, config.numHeads(), scale.length, 1f);
            headScale = NativeArrays.copyOf(manager, scale, new Shape(1, 1, scale.length, 1), dt);
            javaDecoder = new JavaDecoder(this, rope.inverseFrequencies());
            javaKvPool = new JavaKvPool(config.numLayers(), config.numKvHeads(), config.headDim(),
                    Runtime.getRuntime().maxMemory() / 8);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private DecoderLayer layer(int i, WeightSource source) {
        String p = "model.layers." + i + ".";
        int h = config.hiddenSize();
        int q = config.queryDim();
        int kv = config.kvDim();
        int inter = config.intermediateSize();
        Parameter inputNorm = parameter(p + "input_layernorm.weight", new Shape(h),
                List.of(p + "input_layernorm.weight"), Kind.NORM, source);
        Projection qkv = projection(p + "self_attn.qkv_proj", List.of("q_proj", "k_proj", "v_proj"),
                new int[] {q, kv, kv}, h, config.qkvBias(), source);
        Projection out = projection(p + "self_attn.o_proj", List.of("o_proj"), new int[] {h}, q, config.outputBias(),
                source);
        Parameter postNorm = parameter(p + "post_attention_layernorm.weight", new Shape(h),
                List.of(p + "post_attention_layernorm.weight"), Kind.NORM, source);
        Projection gateUp = projection(p + "mlp.gate_up_proj", List.of("gate_proj", "up_proj"),
                new int[] {inter, inter}, h, false, source);
        Projection down = projection(p + "mlp.down_proj", List.of("down_proj"), new int[] {h}, inter, false, source);
        return new DecoderLayer(i, config, inputNorm, qkv, out, postNorm, gateUp, down);
    }

    private Projection projection(String name, List<String> parts, int[] sizes, int in, boolean withBias,
            WeightSource source) {
        String prefix = name.substring(0, name.lastIndexOf('.') + 1);
        int rows = Arrays.stream(sizes).sum();
        List<String> weightNames = new ArrayList<>();
        List<String> biasNames = new ArrayList<>();
        for (String part : parts) {
            weightNames.add(prefix + part + ".weight");
            biasNames.add(prefix + part + ".bias");
        }
        Parameter weight = parameter(name + ".weight", new Shape(rows, in), weightNames, Kind.WEIGHT, source);
        Parameter bias = withBias ? parameter(name + ".bias", new Shape(rows), biasNames, Kind.BIAS, source) : null;
        Projection projection = new Projection(name, weight, bias, parts, sizes, options.int8Decode());
        projections.add(projection);
        return projection;
    }

    private Parameter parameter(String name, Shape shape, List<String> hfNames, Kind kind, WeightSource source) {
        NDArray array = manager.create(shape, options.dataType());
        source.fill(array, hfNames, kind);
        Parameter param = Parameter.builder().setName(name).setType(kind == Kind.BIAS ? Parameter.Type.BIAS
                : kind == Kind.NORM ? Parameter.Type.GAMMA : Parameter.Type.WEIGHT).optRequiresGrad(false).build();
        param.setArray(array);
        parameters.add(name, param);
        return param;
    }

    /**
     * Loads a Hugging Face checkpoint directory ({@code config.json} and safetensors weights,
     * single file or sharded; F32, F16 or BF16).
     *
     * @param dir the model directory
     * @param options dtype and device
     * @return the model
     * @throws ModelException if files are missing, malformed or do not match the configuration
     */
    public static LlamaModel load(Path dir, ModelOptions options) {
        LlamaConfig config = LlamaConfig.load(dir);
        try (SafetensorsReader reader = SafetensorsReader.open(dir)) {
            return load(config, reader, options);
        }
    }

    /**
     * Builds a model from a configuration and an open checkpoint.
     *
     * @param config the configuration
     * @param reader the weights
     * @param options dtype and device
     * @return the model
     */
    public static LlamaModel load(LlamaConfig config, SafetensorsReader reader, ModelOptions options) {
        // A sequence classifier (reward model) written by transformers has no LM head.
        boolean withLmHead = !config.architecture().hasScoreHead() || reader.contains("lm_head.weight");
        return new LlamaModel(config, options, (target, names, kind) -> {
            long rows = target.getShape().get(0);
            long rowElements = target.size() / rows;
            long offset = 0;
            for (String name : names) {
                if (!reader.contains(name)) {
                    throw new ModelException("Checkpoint lacks tensor " + name
                            + (name.endsWith(".bias") ? " (config.json asks for attention biases)" : ""));
                }
                TensorInfo info = reader.info(name);
                long[] shape = info.shape();
                long expectedCols = target.getShape().dimension() == 2 ? target.getShape().get(1) : -1;
                boolean ok = target.getShape().dimension() == shape.length
                        && (expectedCols < 0 || shape[1] == expectedCols);
                if (!ok || offset + shape[0] * rowElements > target.size()) {
                    throw new ModelException("Tensor " + name + " has shape " + Arrays.toString(shape)
                            + ", which does not match config.json (expected rows of " + target.getShape() + ")");
                }
                reader.readInto(name, target, offset);
                offset += shape[0] * rowElements;
            }
            if (offset != target.size()) {
                throw new ModelException("Tensors " + names + " do not fill " + target.getShape()
                        + "; config.json does not match the checkpoint");
            }
        }, withLmHead);
    }

    /**
     * Creates a model with random weights (normal, std 0.02; norms 1; biases 0), for tests and
     * benchmarks.
     *
     * @param config the shape
     * @param options dtype and device
     * @param seed random seed
     * @return the model
     */
    public static LlamaModel random(LlamaConfig config, ModelOptions options, long seed) {
        Random random = new Random(seed);
        return new LlamaModel(config, options, (target, names, kind) -> {
            NDManager m = target.getManager();
            switch (kind) {
                case NORM:
                    target.set(new NDIndex("..."), 1f);
                    break;
                case BIAS:
                    target.set(new NDIndex("..."), 0f);
                    break;
                default:
                    // Java's Random keeps the weights reproducible across runs and engines.
                    long n = target.size();
                    int chunk = 1 << 22;
                    try (NDManager tmp = m.newSubManager()) {
                        NDArray flat = target.reshape(-1);
                        flat.attach(tmp);
                        for (long start = 0; start < n; start += chunk) {
                            int count = (int) Math.min(chunk, n - start);
                            float[] values = new float[count];
                            for (int i = 0; i < count; i++) {
                                values[i] = (float) (random.nextGaussian() * 0.02);
                            }
                            NDArray part = tmp.create(values).toType(target.getDataType(), false);
                            flat.set(new NDIndex("{}:{}", start, start + count), part);
                        }
                    }
                    break;
            }
        }, true);
    }

    /** @return the configuration */
    public LlamaConfig config() {
        return config;
    }

    /** @return the dtype and device of the weights */
    public ModelOptions options() {
        return options;
    }

    /** @return whether the model has a language-model head (false for some reward-model checkpoints) */
    public boolean hasLmHead() {
        return lmHead != null;
    }

    /** @return the manager that owns the weights */
    public NDManager manager() {
        return manager;
    }

    /**
     * All parameters, in a stable order, under Hugging Face names (q/k/v and gate/up fused as
     * {@code qkv_proj} and {@code gate_up_proj}). With tied embeddings the LM head is not listed
     * separately.
     *
     * @return the parameters
     */
    public ParameterList parameters() {
        return parameters;
    }

    /** @return every linear projection of every layer, for attaching adapters */
    public List<Projection> projections() {
        return Collections.unmodifiableList(projections);
    }

    /** @return the number of parameters (a tied embedding counted once) */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : parameters.values()) {
            n += p.getArray().size();
        }
        return n;
    }

    /**
     * @return bytes of weights read per decode step (the embedding lookup excluded unless tied; matrices
     *     as their int8 copies, a byte per weight and a float16 scale per block, where decoding in int8)
     */
    public long weightBytesPerToken() {
        long bytes = 0;
        for (Parameter p : parameters.values()) {
            NDArray a = p.getArray();
            if (p != embedTokens || config.tieWordEmbeddings()) {
                bytes += options.int8Decode() && a.getShape().dimension() == 2
                        ? a.size() + 2 * a.getShape().get(0) * Int8Blocks.blocks((int) a.getShape().get(1))
                        : a.size() * a.getDataType().getNumOfBytes();
            }
        }
        return bytes;
    }

    /**
     * Sets whether every base weight records gradients (full fine-tuning) or none (the default;
     * LoRA and heads train their own parameters).
     *
     * @param trainable true to train all weights
     */
    public void setTrainable(boolean trainable) {
        for (Parameter p : parameters.values()) {
            p.freeze(!trainable);
        }
        // while base weights train they change every step: decode from them directly
        this.trainable = trainable;
        weightsChanged();
    }

    /**
     * Allocates a key/value cache for incremental decoding.
     *
     * @param batchSize number of sequences decoded together
     * @param capacity most positions per sequence (prompt plus new tokens, padding included)
     * @return an empty cache; close it when done
     */
    public KvCache newCache(int batchSize, int capacity) {
        return new KvCache(manager, config.numLayers(), batchSize, config.numKvHeads(), capacity, config.headDim(),
                options.dataType(), javaKvPool);
    }

    /**
     * Runs whole sequences (training, scoring, reward models).
     *
     * @param inputIds (B, T) int64 (or int32) token ids, on the model's device
     * @param attentionMask (B, T) 1 for real tokens and 0 for padding (left or right), or null
     * @param training whether adapters apply dropout
     * @return logits (B, T, vocab) and hidden states (B, T, hidden), attached to inputIds' manager
     */
    public ForwardOutput forward(NDArray inputIds, NDArray attentionMask, boolean training) {
        return run(inputIds, attentionMask, training, true);
    }

    /**
     * Like {@link #forward} but without the LM head (value and reward models need only the hidden states).
     *
     * @param inputIds (B, T) token ids
     * @param attentionMask (B, T) 1/0, or null
     * @param training whether adapters apply dropout
     * @return hidden states (B, T, hidden) attached to inputIds' manager ({@code logits} is null)
     */
    public ForwardOutput hiddenStates(NDArray inputIds, NDArray attentionMask, boolean training) {
        return run(inputIds, attentionMask, training, false);
    }

    /**
     * Applies the LM head.
     *
     * @param hidden (..., hidden) final hidden states
     * @return (..., vocab) logits, attached to hidden's manager
     */
    public NDArray logits(NDArray hidden) {
        if (lmHead == null) {
            throw new ModelException("This checkpoint (" + config.architecture().hfName()
                    + ") has no language-model head; it can only score");
        }
        return Linear.linear(hidden, lmHead.getArray(), null).singletonOrThrow();
    }

    private ForwardOutput run(NDArray inputIds, NDArray attentionMask, boolean training, boolean withLogits) {
        Shape shape = inputIds.getShape();
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException("inputIds must be (batch, time), got " + shape);
        }
        long b = shape.get(0);
        long t = shape.get(1);
        rope.ensure((int) t);
        NDManager out = inputIds.getManager();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            DataType dt = options.dataType();
            // native copies of everything autograd may save (see NativeArrays)
            NDArray ids = NativeArrays.copyOf(inputIds.toType(DataType.INT64, false));
            NDArray positions;
            NDArray mask;
            float negative = negative();
            float[] causal = new float[(int) (t * t)];
            for (int q = 0; q < t; q++) {
                for (int k = q + 1; k < t; k++) {
                    causal[(int) (q * t + k)] = negative;
                }
            }
            NDArray causalMask = NativeArrays.copyOf(out, causal, new Shape(1, 1, 1, t, t), dt);
            if (attentionMask == null) {
                positions = out.arange(0, (int) t, 1, DataType.INT64).reshape(1, t).repeat(0, b);
                mask = causalMask;
            } else {
                NDArray m = attentionMask.toType(DataType.INT64, false);
                positions = m.cumSum(1).sub(NativeArrays.scalar(out, 1, DataType.INT64))
                        .maximum(NativeArrays.scalar(out, 0, DataType.INT64));
                NDArray padding = m.toType(dt, false).mul(NativeArrays.scalar(out, -negative, dt))
                        .add(NativeArrays.scalar(out, negative, dt)).reshape(b, 1, 1, 1, t);
                mask = causalMask.add(padding);
            }
            NDArray x = embed(ids);
            NDArray[] angles = angles(positions);
            ForwardStep step = new ForwardStep(rope, angles[0], angles[1], mask, null, training, eps, minusHalf,
                    Projection.Kernel.TORCH);
            for (DecoderLayer layer : layers) {
                x = layer.forward(x, step);
            }
            NDArray hidden = Ops.rmsNorm(x, norm.getArray(), eps, minusHalf);
            NDArray logits = withLogits ? logits(hidden) : null;
            keep(hidden, out);
            if (logits != null) {
                keep(logits, out);
            }
            return new ForwardOutput(logits, hidden);
        }
    }

    private static void keep(NDArray array, NDManager manager) {
        NDScope.unregister(array);
        array.attach(manager);
    }

    /**
     * Feeds the next tokens of every sequence of a cache and returns the logits for the token
     * after each row's last one. At prefill, rows of different lengths are left-padded with
     * {@code -1}; afterwards each call usually passes one token per row.
     *
     * @param cache the sequences' cache (extended by this call)
     * @param tokens (B, T) token ids, {@code -1} for left padding
     * @return (B, vocab) float32 logits, the caller's to keep
     */
    public float[][] nextTokenLogits(KvCache cache, int[][] tokens) {
        return nextTokenLogits(cache, tokens, false);
    }

    /**
     * As {@link #nextTokenLogits(KvCache, int[][])}, but the rows returned may be the cache's own
     * buffers, overwritten by its next step: for loops that read each step's logits before the
     * next (generation). A fresh 1 MB array per batch-8 step cost 3-6 ms of a 26 ms step
     * whenever the heap handed out memory it had not touched before (page faults, then zeroing).
     *
     * @param cache the sequences' cache (extended by this call)
     * @param tokens (B, T) token ids, {@code -1} for left padding
     * @return (B, vocab) float32 logits, valid until the cache's next step
     */
    public float[][] nextTokenLogitsReusing(KvCache cache, int[][] tokens) {
        return nextTokenLogits(cache, tokens, true);
    }

    private float[][] nextTokenLogits(KvCache cache, int[][] tokens, boolean reuse) {
        int b = cache.batchSize();
        if (tokens.length != b) {
            throw new IllegalArgumentException("Expected " + b + " rows of tokens, got " + tokens.length);
        }
        int t = tokens[0].length;
        long[] ids = new long[b * t];
        boolean[][] real = new boolean[b][t];
        for (int r = 0; r < b; r++) {
            if (tokens[r].length != t) {
                throw new IllegalArgumentException("All rows must have the same length (left-pad with -1)");
            }
            for (int i = 0; i < t; i++) {
                int id = tokens[r][i];
                if (id >= config.vocabSize()) {
                    throw new IllegalArgumentException("Token id " + id + " is outside the vocabulary ("
                            + config.vocabSize() + ")");
                }
                real[r][i] = id >= 0;
                ids[r * t + i] = Math.max(id, 0);
            }
        }
        if (t == 1 && useJavaDecoder(b)) {
            int[] next = new int[b];
            for (int r = 0; r < b; r++) {
                if (tokens[r][0] < 0) {
                    throw new IllegalArgumentException("Only a prefill may be padded");
                }
                next[r] = tokens[r][0];
            }
            long[] positions = cache.admit(null, 1);
            requireWithinContext(positions);
            if (Diagnostics.enabled()) {
                // the embedding lookup, unless it reads the LM head's decode copy: ids in, rows out
                Diagnostics.recordArrays(lmHeadIsEmbedding() ? 0 : 2);
            }
            return javaDecoder.step(cache, next, positions, reuse);
        }
        if (t > 1 && prefillsInJava()) {
            long[] positions = cache.admit(real, t);
            requireWithinContext(positions);
            return javaDecoder.prefill(cache, tokens, positions);
        }
        cache.syncToTorch();
        long[] positions = cache.admit(real, t);
        int maxPosition = 0;
        for (long p : positions) {
            maxPosition = (int) Math.max(maxPosition, p);
        }
        rope.ensure(maxPosition + 1);
        float[] maskValues = cache.mask(t, negative());
        int keys = cache.length() + t;
        float[] flat;
        // The scope frees every intermediate; the step manager keeps them off the model's manager
        // (results attach to their first operand's manager), so concurrent requests do not contend on it.
        try (NDScope scope = new NDScope(); NoGrad noGrad = new NoGrad(); NDManager stepManager = manager.newSubManager()) {
            scope.suppressNotUsedWarning();
            DataType dt = options.dataType();
            NDArray idArray = stepManager.create(ids, new Shape(b, t));
            NDArray posArray = stepManager.create(positions, new Shape(b, t));
            NDArray mask = null;
            if (maskValues != null) {
                Shape ms = t == 1 ? new Shape(b, 1, 1, keys) : new Shape(b, 1, 1, t, keys);
                mask = stepManager.create(maskValues, ms).toType(dt, false);
            }
            NDArray x = embed(idArray);
            NDArray[] angles = angles(posArray);
            boolean javaKernel = useJavaKernel(b * t);
            Projection.Kernel kernel = javaKernel ? Projection.Kernel.COPY
                    : parallelPrefill() ? Projection.Kernel.TORCH_PARALLEL : Projection.Kernel.TORCH;
            ForwardStep step = new ForwardStep(rope, angles[0], angles[1], mask, cache, false, eps, minusHalf, kernel);
            for (DecoderLayer layer : layers) {
                x = layer.forward(x, step);
            }
            NDArray last = t == 1 ? x : x.get(new NDIndex(":, -1:, :"));
            NDArray normed = Ops.rmsNorm(last, norm.getArray(), eps, minusHalf);
            flat = javaKernel ? lmHeadOnHeap(normed) : logits(normed).toType(DataType.FLOAT32, false).toFloatArray();
            cache.advance(t);
            if (Diagnostics.enabled()) {
                Diagnostics.recordArrays(stepManager.getManagedArrays().size() + 2L * layers.size());
            }
            noGrad.keepAlive();
        }
        int v = config.vocabSize();
        float[][] rows = new float[b][];
        for (int r = 0; r < b; r++) {
            rows[r] = Arrays.copyOfRange(flat, r * v, (r + 1) * v);
        }
        return rows;
    }

    private void requireWithinContext(long[] positions) {
        long max = maxPositionOf(positions);
        if (max >= config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("Position " + max + " is beyond max_position_embeddings ("
                    + config.maxPositionEmbeddings() + ")");
        }
    }

    private static long maxPositionOf(long[] positions) {
        long max = 0;
        for (long p : positions) {
            max = Math.max(max, p);
        }
        return max;
    }

    /**
     * A decoder that steps sequences kept in caches of their own together (continuous batching); one per
     * decoding thread.
     *
     * @return a new batched decoder over this network
     */
    public BatchedDecoder newBatchedDecoder() {
        return new BatchedDecoder(this);
    }

    /** @return the Java decode path (null while the network is not built for it) */
    JavaDecoder javaDecoder() {
        return javaDecoder;
    }

    /** Whether a one-token step of this many rows runs in {@link JavaDecoder}. */
    boolean decodesInJava(int rows) {
        return useJavaDecoder(rows);
    }

    /**
     * Whether prefills run in {@link JavaDecoder}: where its one-token steps do and the native kernels load (the
     * Java loops multiply many rows slower than PyTorch).
     */
    private boolean prefillsInJava() {
        return NativeKernels.available() && useJavaDecoder(1);
    }

    /** Whether a one-token step of this batch runs in {@link JavaDecoder}. */
    private boolean useJavaDecoder(int batch) {
        if (!useJavaKernel(batch) || lmHead == null) {
            return false;
        }
        for (Projection p : projections) {
            if (p.hasAdapters()) {
                return false;
            }
        }
        return true;
    }

    List<DecoderLayer> layers() {
        return layers;
    }

    NDArray finalNorm() {
        return norm.getArray();
    }

    NDArray embedding() {
        return embedTokens.getArray();
    }

    /** @return whether the LM head is the token embedding (tied), so that its decode copy embeds too */
    boolean lmHeadIsEmbedding() {
        return lmHead == embedTokens;
    }

    /** @return the decode copy of the LM head, made on first use */
    DecodeMatrix lmHeadMatrix() {
        DecodeMatrix h = lmHeadCopy;
        if (h == null) {
            synchronized (this) {
                h = lmHeadCopy;
                if (h == null) {
                    h = DecodeMatrix.of(lmHead.getArray(), options.int8Decode());
                    lmHeadCopy = h;
                }
            }
        }
        return h;
    }

    private float[] lmHeadOnHeap(NDArray hidden) {
        if (lmHead == null) {
            logits(hidden); // throws the explanatory exception
        }
        DecodeMatrix h = lmHeadMatrix();
        float[] flat = hidden.toFloatArray();
        int rows = flat.length / config.hiddenSize();
        float[] out = new float[rows * config.vocabSize()];
        h.multiply(flat, out, rows, Parallel.SHARED);
        return out;
    }

    /**
     * Whether decoding a batch of this size uses the Java kernel (see {@link DecodeKernel}).
     *
     * @param batchSize sequences decoded together, one new token each
     * @return true for the Java kernel
     */
    public boolean decodesWithJavaKernel(int batchSize) {
        return useJavaKernel(batchSize);
    }

    /**
     * Names the code that decodes a batch of this size, for benchmarks and logs.
     *
     * @param batchSize sequences decoded together, one new token each
     * @return "native AVX-512" or "native AVX2" (the C kernels), "java" (the Java loops), or "torch"
     */
    public String decodeKernelName(int batchSize) {
        if (!useJavaKernel(batchSize)) {
            return "torch";
        }
        return NativeKernels.available() ? NativeKernels.description() : "java";
    }

    /**
     * Whether a decode step of this many rows multiplies on the decode copies (see {@link DecodeKernel}).
     *
     * @param rows batch size times new tokens
     * @return true for the Java kernel
     */
    boolean useJavaKernel(int rows) {
        if (rows > DecodeKernel.MAX_ROWS || trainable || options.device().isGpu()) {
            return false;
        }
        switch (options.decodeKernel()) {
            case JAVA:
                return true;
            case TORCH:
                return false;
            default:
                if (NativeKernels.available()) {
                    return true; // native copies (off the heap) of float32, float16 or int8 weights
                }
                Boolean fits = heapFits;
                if (fits == null) {
                    long needed = 0;
                    for (Projection p : projections) {
                        needed += p.heapBytes();
                    }
                    needed += lmHead == null ? 0 : 4L * lmHead.getArray().size();
                    Runtime rt = Runtime.getRuntime();
                    long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
                    if (options.int8Decode()) {
                        needed = needed * 9 / 32; // a byte and an eighth per weight instead of four
                    }
                    fits = (options.dataType() == DataType.FLOAT32 || options.int8Decode()) && needed < free * 0.6;
                    heapFits = fits;
                }
                return fits;
        }
    }

    /**
     * Whether prefill spreads its products over {@link Parallel}'s threads: when PyTorch itself runs
     * one thread per operation (see {@link TorchThreads}) and nothing is training.
     */
    private boolean parallelPrefill() {
        return !trainable && !options.device().isGpu() && Parallel.SHARED.threads() > 1
                && TorchThreads.get() == 1;
    }

    /**
     * Tells the model its weights were changed in place (by an optimizer or by hand), so that the
     * heap copies used for decoding are rebuilt. LoRA merges and {@link #setTrainable} do this
     * themselves.
     */
    public synchronized void weightsChanged() {
        for (Projection p : projections) {
            p.invalidate();
        }
        DecodeMatrix head = lmHeadCopy;
        lmHeadCopy = null;
        if (head != null) {
            head.close();
        }
        if (javaDecoder != null) {
            javaDecoder.invalidate();
        }
    }

    private float negative() {
        return options.dataType() == DataType.FLOAT16 ? MASK_F16 : MASK_F32;
    }

    private NDArray embed(NDArray ids) {
        return ids.getNDArrayInternal().embedding(ids, embedTokens.getArray(), SparseFormat.DENSE).singletonOrThrow();
    }

    /** cos/sin for (B, T) positions, broadcast over heads, query heads scaled by 1/sqrt(headDim). */
    private NDArray[] angles(NDArray positions) {
        NDArray[] cs = rope.lookup(positions);
        return new NDArray[] {cs[0].mul(headScale), cs[1].mul(headScale)};
    }

    /**
     * Saves the model in Hugging Face layout: {@code config.json} and safetensors weights under
     * the original tensor names (q/k/v and gate/up split again), sharded above 5 GB.
     *
     * @param dir target directory (created if needed)
     * @param dtype F32, F16 or BF16
     */
    public void save(Path dir, DType dtype) {
        save(dir, dtype, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
    }

    /**
     * Saves the model, with a chosen shard size.
     *
     * @param dir target directory
     * @param dtype F32, F16 or BF16
     * @param maxShardBytes largest shard
     */
    public void save(Path dir, DType dtype, long maxShardBytes) {
        save(dir, dtype, maxShardBytes, config, Map.of());
    }

    /**
     * Saves the model with extra tensors (a score head) and a different configuration
     * (architecture), used by the {@code head} package.
     *
     * @param dir target directory
     * @param dtype F32, F16 or BF16
     * @param maxShardBytes largest shard
     * @param configToWrite the configuration to write as {@code config.json}
     * @param extra more tensors to write beside the backbone's
     */
    public void save(Path dir, DType dtype, long maxShardBytes, LlamaConfig configToWrite, Map<String, NDArray> extra) {
        try (NDManager views = manager.newSubManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            tensors.put("model.embed_tokens.weight", embedTokens.getArray());
            for (DecoderLayer layer : layers) {
                String p = "model.layers." + layer.index + ".";
                tensors.put(p + "input_layernorm.weight", layer.inputNorm.getArray());
                putProjection(tensors, layer.qkv, views);
                putProjection(tensors, layer.output, views);
                tensors.put(p + "post_attention_layernorm.weight", layer.postAttentionNorm.getArray());
                putProjection(tensors, layer.gateUp, views);
                putProjection(tensors, layer.down, views);
            }
            tensors.put("model.norm.weight", norm.getArray());
            if (lmHead != null && !config.tieWordEmbeddings() && !configToWrite.architecture().hasScoreHead()) {
                tensors.put("lm_head.weight", lmHead.getArray());
            }
            tensors.putAll(extra);
            SafetensorsWriter.writeCheckpoint(dir, tensors, dtype, maxShardBytes);
        }
        Json.write(dir.resolve("config.json"), configToWrite.toJson(dtype.torchName()));
    }

    private static void putProjection(Map<String, NDArray> tensors, Projection projection, NDManager views) {
        for (int part = 0; part < projection.parts().size(); part++) {
            NDArray w = projection.partWeight(part);
            w.attach(views);
            tensors.put(projection.partPath(part) + ".weight", w);
            NDArray bias = projection.partBias(part);
            if (bias != null) {
                bias.attach(views);
                tensors.put(projection.partPath(part) + ".bias", bias);
            }
        }
    }

    /** @return the device of the weights */
    public Device device() {
        return options.device();
    }

    @Override
    public void close() {
        weightsChanged(); // frees the decode copies (native memory)
        manager.close();
    }
}
