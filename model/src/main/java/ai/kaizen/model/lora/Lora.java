package ai.kaizen.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.kaizen.model.ModelException;
import ai.kaizen.model.UnsupportedModelException;
import ai.kaizen.model.config.Json;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.NativeArrays;
import ai.kaizen.model.llama.Projection;
import ai.kaizen.model.safetensors.DType;
import ai.kaizen.model.safetensors.SafetensorsReader;
import ai.kaizen.model.safetensors.SafetensorsWriter;
import ai.kaizen.model.safetensors.TensorInfo;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;

/**
 * LoRA adapters on a {@link LlamaModel}: trainable low-rank updates on chosen projections, with
 * the base weights frozen.
 *
 * <p>Lifecycle: {@link #attach} (new adapters: A random, B zero, so the model is unchanged) or
 * {@link #load} (a PEFT adapter directory); train {@link #parameters()}; {@link #save} in PEFT
 * layout ({@code adapter_config.json}, {@code adapter_model.safetensors}, loadable by
 * {@code peft.PeftModel.from_pretrained}); {@link #merge} to fold the updates into the base
 * weights for fast inference, {@link #unmerge} to take them out again; {@link #close} to remove
 * the adapters (a merged update stays in the weights).
 */
public final class Lora implements AutoCloseable {

    /** Prefix PEFT puts before module paths. */
    static final String PEFT_PREFIX = "base_model.model.";

    /** File names of a PEFT adapter. */
    public static final String CONFIG_FILE = "adapter_config.json";

    /** File names of a PEFT adapter. */
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";

    private final LlamaModel model;
    private final LoraConfig config;
    private final NDManager manager;
    private final List<Slot> slots = new ArrayList<>();
    private final ParameterList parameters = new ParameterList();
    private boolean merged;
    private boolean closed;
    private boolean enabled = true;

    private record Slot(Projection projection, int part, LoraAdapter adapter) {}

    private Lora(LlamaModel model, LoraConfig config) {
        this.model = model;
        this.config = config;
        this.manager = model.manager().newSubManager();
    }

    /**
     * Adds fresh adapters to every target projection of every layer: A drawn like PEFT's default
     * (Kaiming-uniform, bound {@code 1/sqrt(in)}), B zero. The base weights are frozen.
     *
     * @param model the model
     * @param config rank, alpha, dropout, targets
     * @param seed random seed for A
     * @return the adapters, attached
     */
    public static Lora attach(LlamaModel model, LoraConfig config, long seed) {
        Lora lora = new Lora(model, config);
        Random random = new Random(seed);
        model.setTrainable(false);
        try {
            for (Projection p : model.projections()) {
                for (int part = 0; part < p.parts().size(); part++) {
                    if (!config.targetModules().contains(p.parts().get(part))) {
                        continue;
                    }
                    int in = (int) p.inFeatures();
                    float bound = (float) (1.0 / Math.sqrt(in));
                    float[] a = new float[config.rank() * in];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = (random.nextFloat() * 2 - 1) * bound;
                    }
                    NDArray aArray = NativeArrays.copyOf(lora.manager, a, new Shape(config.rank(), in),
                            model.options().dataType());
                    NDArray bArray = lora.manager.zeros(new Shape(p.partSize(part), config.rank()),
                            model.options().dataType());
                    lora.add(p, part, aArray, bArray, config.scaling());
                }
            }
        } catch (RuntimeException e) {
            lora.close();
            throw e;
        }
        return lora;
    }

    /**
     * Loads a PEFT LoRA adapter directory onto a model.
     *
     * @param model the base model it was trained on
     * @param dir the directory with {@code adapter_config.json} and {@code adapter_model.safetensors}
     * @return the adapters, attached (unmerged)
     * @throws ModelException if the files are missing or do not fit the model
     * @throws UnsupportedModelException for DoRA, trained biases, modules_to_save or alpha patterns
     */
    public static Lora load(LlamaModel model, Path dir) {
        Path configFile = dir.resolve(CONFIG_FILE);
        if (!Files.exists(configFile)) {
            throw new ModelException("Missing " + CONFIG_FILE + " in " + dir);
        }
        JsonObject c = Json.readObject(configFile);
        String type = c.has("peft_type") ? c.get("peft_type").getAsString() : "LORA";
        if (!"LORA".equals(type)) {
            throw new UnsupportedModelException("Unsupported adapter type " + type + " in " + configFile);
        }
        if (c.has("use_dora") && c.get("use_dora").getAsBoolean()) {
            throw new UnsupportedModelException("Unsupported option use_dora=true in " + configFile);
        }
        if (c.has("bias") && !"none".equals(c.get("bias").getAsString())) {
            throw new UnsupportedModelException("Unsupported option bias=" + c.get("bias").getAsString() + " in "
                    + configFile);
        }
        if (c.has("modules_to_save") && !c.get("modules_to_save").isJsonNull()) {
            throw new UnsupportedModelException("Unsupported option modules_to_save in " + configFile);
        }
        if (c.has("alpha_pattern") && c.get("alpha_pattern").isJsonObject()
                && c.getAsJsonObject("alpha_pattern").size() > 0) {
            throw new UnsupportedModelException("Unsupported option alpha_pattern in " + configFile);
        }
        int rank = c.get("r").getAsInt();
        double alpha = c.has("lora_alpha") ? c.get("lora_alpha").getAsDouble() : 8;
        double dropout = c.has("lora_dropout") ? c.get("lora_dropout").getAsDouble() : 0;
        boolean rs = c.has("use_rslora") && c.get("use_rslora").getAsBoolean();
        Pattern targetRegex = null;
        List<String> targets = new ArrayList<>();
        JsonElement t = c.get("target_modules");
        if (t != null && t.isJsonArray()) {
            for (JsonElement e : t.getAsJsonArray()) {
                targets.add(e.getAsString());
            }
        } else if (t != null && t.isJsonPrimitive()) {
            targetRegex = Pattern.compile(t.getAsString());
        }
        List<String> known = new ArrayList<>();
        for (String m : targets) {
            if (LoraConfig.ALL_PROJECTIONS.contains(m)) {
                known.add(m);
            }
        }
        LoraConfig config = new LoraConfig(rank, alpha, dropout, known.isEmpty() ? List.of("q_proj") : known, rs);
        Lora lora = new Lora(model, config);
        model.setTrainable(false);
        try (SafetensorsReader reader = SafetensorsReader.open(dir.resolve(WEIGHTS_FILE))) {
            int found = 0;
            for (Projection p : model.projections()) {
                for (int part = 0; part < p.parts().size(); part++) {
                    String path = p.partPath(part);
                    String aName = PEFT_PREFIX + path + ".lora_A.weight";
                    String bName = PEFT_PREFIX + path + ".lora_B.weight";
                    if (!reader.contains(aName)) {
                        continue;
                    }
                    if (targetRegex != null && !targetRegex.matcher(path).matches()) {
                        continue;
                    }
                    TensorInfo ai = reader.info(aName);
                    TensorInfo bi = reader.info(bName);
                    long r = ai.shape()[0];
                    if (ai.shape()[1] != p.inFeatures() || bi.shape()[0] != p.partSize(part) || bi.shape()[1] != r) {
                        throw new ModelException("Adapter tensors of " + path + " do not fit the model: A " + ai
                                + ", B " + bi);
                    }
                    NDArray a = reader.read(aName, lora.manager, model.options().dataType());
                    NDArray b = reader.read(bName, lora.manager, model.options().dataType());
                    double scaling = rs ? alpha / Math.sqrt(r) : alpha / r;
                    lora.add(p, part, a, b, scaling);
                    found++;
                }
            }
            if (found == 0) {
                throw new ModelException("No adapter tensors in " + dir + " match the model's projections");
            }
        } catch (RuntimeException e) {
            lora.close();
            throw e;
        }
        return lora;
    }

    private void add(Projection p, int part, NDArray a, NDArray b, double scaling) {
        String path = p.partPath(part);
        Parameter pa = Parameter.builder().setName(PEFT_PREFIX + path + ".lora_A.weight")
                .setType(Parameter.Type.WEIGHT).optRequiresGrad(true).build();
        pa.setArray(a);
        Parameter pb = Parameter.builder().setName(PEFT_PREFIX + path + ".lora_B.weight")
                .setType(Parameter.Type.WEIGHT).optRequiresGrad(true).build();
        pb.setArray(b);
        a.setRequiresGradient(true);
        b.setRequiresGradient(true);
        LoraAdapter adapter = new LoraAdapter(path, pa, pb, scaling, config.dropout());
        slots.add(new Slot(p, part, adapter));
        parameters.add(pa.getName(), pa);
        parameters.add(pb.getName(), pb);
        p.setAdapter(part, adapter);
    }

    /** @return the configuration */
    public LoraConfig config() {
        return config;
    }

    /** @return the adapter parameters (A and B of each adapted module) under PEFT names; all trainable */
    public ParameterList parameters() {
        return parameters;
    }

    /** @return the adapters */
    public List<LoraAdapter> adapters() {
        List<LoraAdapter> out = new ArrayList<>();
        slots.forEach(s -> out.add(s.adapter()));
        return out;
    }

    /** @return whether the updates are currently folded into the base weights */
    public synchronized boolean isMerged() {
        return merged;
    }

    /**
     * Folds every update into its base weight ({@code W += scaling B A}) and stops applying the
     * adapters separately: inference then costs exactly what the base model costs.
     */
    public synchronized void merge() {
        if (merged) {
            return;
        }
        for (Slot s : slots) {
            try (NDArray delta = s.adapter().delta()) {
                s.projection().addToWeight(s.part(), delta);
            }
            s.projection().setAdapter(s.part(), null);
        }
        merged = true;
    }

    /** Takes the updates out of the base weights again and re-enables the adapters (for more training). */
    public synchronized void unmerge() {
        if (!merged) {
            return;
        }
        for (Slot s : slots) {
            try (NDArray delta = s.adapter().delta(); NDArray negative = delta.neg()) {
                s.projection().addToWeight(s.part(), negative);
            }
            s.projection().setAdapter(s.part(), s.adapter());
        }
        merged = false;
    }

    /** @return whether the adapters currently apply (see {@link #setEnabled}) */
    public synchronized boolean isEnabled() {
        return enabled;
    }

    /**
     * Switches the (unmerged) adapters off and on again without freeing them: with them off the
     * model computes exactly its base weights, which is how PPO and DPO get their frozen reference
     * model without a second copy of the base (PEFT's {@code disable_adapter()}).
     *
     * @param on true to apply the adapters, false to compute with the base weights alone
     * @throws IllegalStateException while merged (the updates are inside the base weights then)
     */
    public synchronized void setEnabled(boolean on) {
        if (merged) {
            throw new IllegalStateException("Cannot switch merged adapters off; unmerge first");
        }
        if (on == enabled) {
            return;
        }
        for (Slot s : slots) {
            s.projection().setAdapter(s.part(), on ? s.adapter() : null);
        }
        enabled = on;
        model.weightsChanged();
    }

    /**
     * Saves the adapters in PEFT layout.
     *
     * @param dir target directory (created if needed)
     * @param baseModelNameOrPath recorded as {@code base_model_name_or_path}, may be null
     */
    public synchronized void save(Path dir, String baseModelNameOrPath) {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new ModelException("Cannot create " + dir + ": " + e.getMessage(), e);
        }
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        for (Slot s : slots) {
            tensors.put(s.adapter().a().getName(), s.adapter().a().getArray());
            tensors.put(s.adapter().b().getName(), s.adapter().b().getArray());
        }
        SafetensorsWriter.write(dir.resolve(WEIGHTS_FILE), tensors, DType.F32, Map.of("format", "pt"));
        JsonObject c = new JsonObject();
        c.addProperty("peft_type", "LORA");
        c.addProperty("task_type", "CAUSAL_LM");
        c.addProperty("r", config.rank());
        c.addProperty("lora_alpha", config.alpha());
        c.addProperty("lora_dropout", config.dropout());
        JsonArray targets = new JsonArray();
        config.targetModules().forEach(targets::add);
        c.add("target_modules", targets);
        c.addProperty("bias", "none");
        c.addProperty("fan_in_fan_out", false);
        c.addProperty("inference_mode", true);
        c.addProperty("init_lora_weights", true);
        c.addProperty("use_rslora", config.rsLora());
        c.addProperty("use_dora", false);
        c.add("modules_to_save", JsonNull.INSTANCE);
        c.add("layers_to_transform", JsonNull.INSTANCE);
        c.add("layers_pattern", JsonNull.INSTANCE);
        c.add("rank_pattern", new JsonObject());
        c.add("alpha_pattern", new JsonObject());
        c.add("revision", JsonNull.INSTANCE);
        if (baseModelNameOrPath == null) {
            c.add("base_model_name_or_path", JsonNull.INSTANCE);
        } else {
            c.addProperty("base_model_name_or_path", baseModelNameOrPath);
        }
        Json.write(dir.resolve(CONFIG_FILE), c);
    }

    /**
     * Removes the adapters from the model and frees them. If they were merged, the merged update
     * stays in the base weights (call {@link #unmerge} first to restore the base model).
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Slot s : slots) {
            s.projection().setAdapter(s.part(), null);
        }
        manager.close();
    }

    /** Zeroes one adapter's B (tests, and starting over). */
    void zeroB() {
        for (Slot s : slots) {
            s.adapter().b().getArray().set(new NDIndex("..."), 0f);
        }
    }
}
