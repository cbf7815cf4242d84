package ai.kaizen.server.config;

import java.util.Locale;

/**
 * Every configuration key, with its default and its documentation: the one list from which the command-line flags,
 * the environment variable names and the README table are made.
 *
 * <p>A key {@code http.port} is read from the flag {@code --http-port}, the variable {@code KAIZEN_HTTP_PORT} and
 * the line {@code http.port=...} of {@code kaizen.properties}, in that order of precedence.
 */
public enum ConfigKey {
    HOME("home", "~/.kaizen", "DIR",
            "Kaizen's own data: the embedded database, models, training runs."),
    HTTP_HOST("http.host", "0.0.0.0", "HOST",
            "Interface the HTTP server listens on."),
    HTTP_PORT("http.port", "8080", "PORT",
            "HTTP port; 0 picks a free one (the log says which)."),
    HTTP_TRUST_PROXY("http.trust-proxy", "false", "BOOLEAN",
            "Trust X-Forwarded-For and X-Forwarded-Proto from a reverse proxy (client address, Secure cookies)."),
    // Longer than the 60 s for which load balancers (nginx, AWS ALB) keep idle upstream connections, so that they
    // close theirs first and never send a request on a connection this server is closing.
    HTTP_IDLE_TIMEOUT_SECONDS("http.idle-timeout-seconds", "75", "SECONDS",
            "How long a client may take to send a whole request (from connecting, or from the end of the previous "
                    + "answer) and how long a connection may pass no data either way before it is closed; an "
                    + "answer being streamed is never cut while it sends."),
    SESSION_MAX_AGE_HOURS("session.max-age-hours", "720", "HOURS",
            "How long a browser session lives without use."),
    SESSION_CACHE_SECONDS("session.cache-seconds", "10", "SECONDS",
            "How long a server keeps a browser session or API key it looked up before reading it again (0: never "
                    + "kept). Signing out, revoking a key or disabling a user reaches every server at once anyway, "
                    + "through a database notice."),
    METRICS_TOKEN("metrics.token", "", "TOKEN",
            "Bearer token that `GET /metrics` requires; empty leaves it open to whoever reaches the port."),
    LIMITS_REQUESTS_PER_MINUTE("limits.requests-per-minute", "600", "N",
            "Requests a minute from one client address, all routes together."),
    LIMITS_LOGINS_PER_MINUTE("limits.logins-per-minute", "10", "N",
            "Sign-in attempts a minute from one client address."),
    LIMITS_REQUEST_BYTES("limits.request-bytes", "262144", "BYTES",
            "Largest request body accepted."),
    DATABASE_URL("database.url", "", "URL",
            "External PostgreSQL, e.g. `postgresql://user:pass@host:5432/kaizen`; empty runs the embedded "
                    + "PostgreSQL 17 with its data under `home`."),
    DATABASE_POOL_SIZE("database.pool-size", "10", "N",
            "Most connections the server opens to the database."),
    DATABASE_EMBEDDED_PORT("database.embedded-port", "0", "PORT",
            "Port of the embedded PostgreSQL; 0 picks a free one at each start."),
    MODEL_DIR("model.dir", "models/starter", "DIR",
            "Model to serve, in Hugging Face layout. The default is the starter model committed in the repository "
                    + "(found when started from the repository's root; elsewhere, without it, none is served); "
                    + "empty serves none and `/ready` says so."),
    MODEL_DTYPE("model.dtype", "float32", "TYPE",
            "Weights of served models (the configured one, promoted versions, challengers): `float32`; `float16` (half "
                    + "the memory); or `int8` (prompts and decode steps on copies quantised at load into blocks of 32 "
                    + "with a float16 scale each, as llama.cpp's Q8_0: a bit over a quarter of float32's bytes per "
                    + "token, logits within a few tenths; see `model/README.md`; the float32 weights stay for adapters "
                    + "and training). Training always reads float32."),
    INFERENCE_BATCHING("inference.batching", "continuous", "MODE",
            "How the model serves concurrent answers: `continuous` (one decode loop per served model, and per "
                    + "challenger of an online comparison, that answers join and leave between decode steps) or "
                    + "`per-request` (each generation on one of `inference.workers` threads)."),
    INFERENCE_MAX_BATCH("inference.max-batch", "8", "N",
            "`continuous`: most answers one model decodes together; more wait in the queue."),
    INFERENCE_KV_CACHE_MB("inference.kv-cache-mb", "1024", "MB",
            "`continuous`: most key/value-cache memory the running answers of one model reserve (prompt plus token "
                    + "budget each, both copies of the cache); an answer that does not fit waits, one larger than "
                    + "all of it runs alone."),
    INFERENCE_PREFILL_CHUNK("inference.prefill-chunk", "128", "TOKENS",
            "`continuous`: prompt tokens read between two decode steps, so that running answers keep streaming "
                    + "while new ones start."),
    INFERENCE_WORKERS("inference.workers", "1", "N",
            "`per-request`: threads that run the model; each runs one generation (or one A/B pair) at a time."),
    INFERENCE_QUEUE("inference.queue", "16", "N",
            "Generations that may wait for the model (to join a batch, or for a worker); beyond that new chats get "
                    + "503 with Retry-After."),
    SERVING_ENGINE("serving.engine", "local", "ENGINE",
            "What serves model versions that name no engine of their own in the registry: `local`, this process "
                    + "(`inference.*`); `openai`, an external OpenAI-compatible engine at `serving.engine-url` (vLLM, "
                    + "llama.cpp's server, another Kaizen), which gets each answer's conversation and streams it back."),
    SERVING_ENGINE_URL("serving.engine-url", "", "URL",
            "Base URL of the external engine, e.g. `http://vllm:8000` (requests go to `/v1/chat/completions`); "
                    + "needed by `serving.engine=openai` and by versions that name `openai`."),
    SERVING_ENGINE_API_KEY("serving.engine-api-key", "", "KEY",
            "Sent to the external engine as `Authorization: Bearer`; empty sends none."),
    SERVING_ENGINE_MODEL("serving.engine-model", "", "NAME",
            "The `model` the external engine gets for versions that record no engine model name (served model "
                    + "name or LoRA adapter name); empty sends the version's label."),
    SERVING_ENGINE_TIMEOUT_SECONDS("serving.engine-timeout-seconds", "60", "SECONDS",
            "Longest wait for the external engine to connect, and between two bytes of its stream; then the "
                    + "answer fails with 503."),
    SERVING_ENGINE_STREAMS("serving.engine-streams", "64", "N",
            "Most answers streaming from the external engine at once; beyond that new chats get 503."),
    CHAT_SYSTEM_PROMPT("chat.system-prompt",
            "You are a helpful, friendly customer-service assistant. Answer briefly and politely.", "TEXT",
            "System prompt of new conversations, until an operator sets another."),
    CHAT_MAX_NEW_TOKENS("chat.max-new-tokens", "200", "N",
            "Longest answer, in tokens."),
    CHAT_TEMPERATURE("chat.temperature", "0.8", "T",
            "Sampling temperature of answers."),
    CHAT_TOP_P("chat.top-p", "0.95", "P",
            "Nucleus sampling: smallest set of tokens whose probability reaches P (1 turns it off)."),
    CHAT_TOP_K("chat.top-k", "50", "K",
            "Sample among the K most likely tokens (0 turns it off)."),
    CHAT_REPETITION_PENALTY("chat.repetition-penalty", "1.1", "R",
            "Penalty on tokens already present (1 turns it off)."),
    CHAT_PAIRWISE_PROBABILITY("chat.pairwise-probability", "0.1", "P",
            "Chance that an answer comes as two, A and B, for the user to pick from (regenerating always does)."),
    CHAT_PROGRESS_SAVE_MS("chat.progress-save-ms", "2000", "MS",
            "How often the text of an answer being written is saved: what a crash of the server may lose of it."),
    COMPARISON_SHARE("comparison.share", "0.5", "P",
            "While an online comparison runs, the share of users' pairwise choices that pit the challenger against the serving version (the others compare two samples of the serving version)."),
    COMPARISON_AFTER_PROMOTION("comparison.after-promotion", "true", "BOOLEAN",
            "After an operator promotes a version, compare it online with the version it replaced."),
    // 194 is the sample a fixed-sample test needs to tell a 60% win rate (70 Elo points, the smallest gain worth a
    // promotion) from 50% with 80% power at two-sided alpha 0.05: ((1.960 * 0.5 + 0.842 * sqrt(0.6 * 0.4)) / 0.1)^2.
    COMPARISON_MIN_VOTES("comparison.min-votes", "194", "N",
            "Decided votes (wins of either version; ties and \"both bad\" do not count) an online comparison needs before it names a better version; the default detects a 60% win rate with 80% power at alpha 0.05."),
    LIMITS_MESSAGE_CHARS("limits.message-chars", "4000", "N",
            "Longest message a user may send."),
    LIMITS_CONVERSATION_MESSAGES("limits.conversation-messages", "200", "N",
            "Most messages in one conversation."),
    LIMITS_SESSION_CONVERSATIONS("limits.session-conversations", "100", "N",
            "Most conversations one anonymous chat session may keep (signed-in users and API keys are not limited)."),
    LIMITS_MESSAGES_PER_MINUTE("limits.messages-per-minute", "20", "N",
            "Messages (and regenerations) a minute from one session or API key."),
    FEEDBACK_REASONS("feedback.reasons", "incorrect,unhelpful,off-topic,rude,too long,unsafe", "LIST",
            "Reasons offered with a thumbs down, comma-separated."),
    REVIEW_CANDIDATES("review.candidates", "3", "K",
            "Candidate answers in a ranking task, 2 to 4 (the answer the user saw and K-1 new samples)."),
    REVIEW_OVERLAP("review.overlap", "2", "N",
            "Distinct reviewers each review task goes to."),
    REVIEW_BUFFER("review.buffer", "20", "N",
            "Ranking tasks kept ready in the background, so that the queue never waits for the model."),
    REVIEW_EDIT_MINUTES("review.edit-minutes", "30", "MINUTES",
            "How long reviewers may change work they submitted."),
    REVIEW_GUIDELINES("review.guidelines", "", "FILE",
            "Guidelines shown beside review tasks (JSON, the shape of `guidelines.json` in the ABCD data); empty shows the built-in ones."),
    HEALTH_DATABASE_OUTAGE_SECONDS("health.database-outage-seconds", "120", "SECONDS",
            "How long the database may be unreachable before `/health` answers 503 (so that a supervisor restarts "
                    + "the process); meanwhile requests that need it get 503 with Retry-After."),
    SHUTDOWN_GRACE_SECONDS("shutdown.grace-seconds", "20", "SECONDS",
            "On SIGTERM, how long in-flight requests may run before the server closes anyway."),
    LOG_LEVEL("log.level", "INFO", "LEVEL",
            "Log level: TRACE, DEBUG, INFO, WARN or ERROR."),
    CYCLE_HEARTBEAT_SECONDS("cycle.heartbeat-seconds", "5", "SECONDS",
            "How often a retraining cycle's trainer reports that it is alive."),
    CYCLE_HEARTBEAT_TIMEOUT_SECONDS("cycle.heartbeat-timeout-seconds", "60", "SECONDS",
            "A running cycle whose trainer has been silent this long is marked failed (it can be resumed)."),
    CYCLE_SCHEDULE_CRON("cycle.schedule-cron", "", "CRON",
            "Start a cycle at the ticks of this Unix cron expression of five fields, in UTC, e.g. `0 3 * * 1` "
                    + "for Mondays at 03:00 (empty: never by the clock). Like the next three keys, it is the schedule "
                    + "until an operator saves one in the console."),
    CYCLE_SCHEDULE_NEW_PREFERENCES("cycle.schedule-new-preferences", "0", "N",
            "Start a cycle once this many pairwise choices and ratings arrived since the last cycle (0: never)."),
    CYCLE_SCHEDULE_PRESET("cycle.schedule-preset", "standard", "PRESET",
            "Hyper-parameter preset of scheduled cycles: `tiny` or `standard`."),
    CYCLE_AUTO_PROMOTE("cycle.auto-promote", "false", "BOOLEAN",
            "Promote a scheduled cycle's candidate when it passes the evaluation gate."),
    CYCLE_LAUNCHER("cycle.launcher", "local", "KIND",
            "Where a cycle's trainer runs: `local`, a child process of this server; `kubernetes`, a Job created "
                    + "through the Kubernetes API with the `cycle.kubernetes-*` keys (see \"Running at scale\")."),
    CYCLE_KUBERNETES_NAMESPACE("cycle.kubernetes-namespace", "", "NAME",
            "Namespace of the trainer Jobs; empty: the server pod's own (or the kubeconfig's)."),
    CYCLE_KUBERNETES_IMAGE("cycle.kubernetes-image", "kaizen:latest", "IMAGE",
            "Image of the trainer pod: Kaizen's own (`deploy/Dockerfile`), of the server's version."),
    CYCLE_KUBERNETES_CPU("cycle.kubernetes-cpu", "4", "CPU",
            "CPU the trainer pod requests."),
    CYCLE_KUBERNETES_MEMORY("cycle.kubernetes-memory", "16Gi", "QUANTITY",
            "Memory the trainer pod requests, and its limit."),
    CYCLE_KUBERNETES_GPUS("cycle.kubernetes-gpus", "0", "N",
            "`nvidia.com/gpu` the trainer pod asks for (0: none)."),
    CYCLE_KUBERNETES_NODE_SELECTOR("cycle.kubernetes-node-selector", "", "LABELS",
            "Node labels the trainer pod must run on, `key=value,...`, e.g. `nvidia.com/gpu.present=true`."),
    CYCLE_KUBERNETES_TOLERATIONS("cycle.kubernetes-tolerations", "", "TAINTS",
            "Taints the trainer pod tolerates, written as kubectl writes taints, comma-separated: "
                    + "`key=value:NoSchedule` (that value), `key:NoSchedule` (any value)."),
    CYCLE_KUBERNETES_SERVICE_ACCOUNT("cycle.kubernetes-service-account", "", "NAME",
            "Service account of the trainer pod (e.g. one allowed to use the bucket); empty: the namespace's default."),
    CYCLE_KUBERNETES_SECRET("cycle.kubernetes-secret", "kaizen-trainer", "NAME",
            "Secret whose keys become the trainer pod's environment: `KAIZEN_DATABASE_URL`, and "
                    + "`AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` for object storage; empty: none."),
    CYCLE_KUBERNETES_HOME_CLAIM("cycle.kubernetes-home-claim", "", "NAME",
            "PersistentVolumeClaim mounted as the trainer's home, shared with the servers (ReadWriteMany), where "
                    + "artifacts stay on disk; empty: a scratch volume, which needs `artifacts.url` in object storage."),
    CYCLE_KUBERNETES_SCHEDULE_TIMEOUT_SECONDS("cycle.kubernetes-schedule-timeout-seconds", "30", "SECONDS",
            "How long the trainer pod may wait for a node, or for its image, before the cycle fails with the "
                    + "reason Kubernetes gives; less than `cycle.heartbeat-timeout-seconds`."),
    ARTIFACTS_URL("artifacts.url", "", "URL",
            "Where model versions and cycles' datasets and checkpoints are kept: empty for `home` on this machine; "
                    + "`s3://bucket/prefix` for S3-compatible object storage shared by every server and trainer "
                    + "(credentials from `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` or the AWS SDK's other "
                    + "sources; each machine caches the models it loads under `home/cache`)."),
    ARTIFACTS_S3_ENDPOINT("artifacts.s3-endpoint", "", "URL",
            "Endpoint of an S3-compatible server other than AWS (MinIO, Ceph, ...), e.g. `http://minio:9000`; "
                    + "empty for AWS."),
    ARTIFACTS_S3_REGION("artifacts.s3-region", "", "REGION",
            "Region of the bucket; empty: `AWS_REGION` or the AWS profile's, else `us-east-1`."),
    ARTIFACTS_S3_PATH_STYLE("artifacts.s3-path-style", "false", "BOOLEAN",
            "Address the bucket as `endpoint/bucket` (most servers other than AWS want it) rather than "
                    + "`bucket.endpoint`.");

    private final String key;
    private final String defaultValue;
    private final String label;
    private final String description;

    ConfigKey(String key, String defaultValue, String label, String description) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.label = label;
        this.description = description;
    }

    /** The key as written in {@code kaizen.properties}, e.g. {@code http.port}. */
    public String key() {
        return key;
    }

    /** The environment variable, e.g. {@code KAIZEN_HTTP_PORT}. */
    public String environmentVariable() {
        return "KAIZEN_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The command-line flag, e.g. {@code --http-port}. */
    public String flag() {
        return "--" + key.replace('.', '-');
    }

    public String defaultValue() {
        return defaultValue;
    }

    /** What the value is, for help texts: {@code PORT}, {@code DIR}, ... */
    public String label() {
        return label;
    }

    public String description() {
        return description;
    }

    /** The key named {@code key} as written in a properties file, or null. */
    static ConfigKey byKey(String key) {
        for (ConfigKey k : values()) {
            if (k.key.equals(key)) {
                return k;
            }
        }
        return null;
    }
}
