-- Which engine serves a model version, and under what name. engine: 'local' (the server's own, in-process) or
-- 'openai' (an external OpenAI-compatible engine: vLLM, llama.cpp's server, ...); NULL follows the servers'
-- serving.engine. engine_model: the `model` the engine's requests name (a served model or a LoRA adapter); NULL
-- follows serving.engine-model, else the version's label.
ALTER TABLE model_version
    ADD COLUMN engine       varchar(20) CHECK (engine IN ('local', 'openai')),
    ADD COLUMN engine_model varchar(200);
