"""Writes a Llama GGUF file (float32) of a Hugging Face config's shape: random weights (normal, std 0.02), the
vocabulary of llama.cpp's models/ggml-vocab-llama-spm.gguf (Llama 2's 32,000 tokens), for timing llama.cpp on the
shape `kaizen bench generate --config` and `kaizen bench serve --config` time. Needs numpy and llama.cpp's gguf-py.

    python3 gguf-random.py CONFIG.json VOCAB.gguf OUT.gguf
"""
import json, sys
import numpy as np
import gguf

config_path, vocab_path, out_path = sys.argv[1:4]
c = json.load(open(config_path))
d, L, H, F, V = c["hidden_size"], c["num_hidden_layers"], c["num_attention_heads"], c["intermediate_size"], c["vocab_size"]
KV = c.get("num_key_value_heads", H)
hd = d // H
w = gguf.GGUFWriter(out_path, "llama")
w.add_name("kaizen-bench-" + str(d))
w.add_context_length(c.get("max_position_embeddings", 2048))
w.add_embedding_length(d)
w.add_block_count(L)
w.add_feed_forward_length(F)
w.add_rope_dimension_count(hd)
w.add_head_count(H)
w.add_head_count_kv(KV)
w.add_layer_norm_rms_eps(c.get("rms_norm_eps", 1e-5))
w.add_rope_freq_base(c.get("rope_theta", 10000.0))
w.add_file_type(gguf.LlamaFileType.ALL_F32)
r = gguf.GGUFReader(vocab_path)
tokens = [bytes(r.fields["tokenizer.ggml.tokens"].parts[i]).decode("utf-8") for i in r.fields["tokenizer.ggml.tokens"].data]
scores = [float(r.fields["tokenizer.ggml.scores"].parts[i][0]) for i in r.fields["tokenizer.ggml.scores"].data]
types = [int(r.fields["tokenizer.ggml.token_type"].parts[i][0]) for i in r.fields["tokenizer.ggml.token_type"].data]
assert len(tokens) == V, (len(tokens), V)
w.add_tokenizer_model("llama")
w.add_token_list(tokens)
w.add_token_scores(scores)
w.add_token_types(types)
w.add_bos_token_id(c.get("bos_token_id", 1))
w.add_eos_token_id(c.get("eos_token_id", 2))
rng = np.random.default_rng(42)
def rand(*shape):
    return (rng.standard_normal(shape, dtype=np.float32) * 0.02).astype(np.float32)
w.add_tensor("token_embd.weight", rand(V, d))
w.add_tensor("output_norm.weight", np.ones(d, dtype=np.float32))
if not c.get("tie_word_embeddings", False):
    w.add_tensor("output.weight", rand(V, d))
for i in range(L):
    p = f"blk.{i}."
    w.add_tensor(p + "attn_norm.weight", np.ones(d, dtype=np.float32))
    w.add_tensor(p + "attn_q.weight", rand(H * hd, d))
    w.add_tensor(p + "attn_k.weight", rand(KV * hd, d))
    w.add_tensor(p + "attn_v.weight", rand(KV * hd, d))
    w.add_tensor(p + "attn_output.weight", rand(d, H * hd))
    w.add_tensor(p + "ffn_norm.weight", np.ones(d, dtype=np.float32))
    w.add_tensor(p + "ffn_gate.weight", rand(F, d))
    w.add_tensor(p + "ffn_up.weight", rand(F, d))
    w.add_tensor(p + "ffn_down.weight", rand(d, F))
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
print("wrote", out_path)
