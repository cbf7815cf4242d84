package ai.kaizen.model.tokenizer;

import ai.kaizen.model.ModelException;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.FatalTemplateErrorsException;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A model's Jinja chat template, rendered with jinjava the way transformers renders it
 * ({@code trim_blocks}, {@code lstrip_blocks}, loop controls, Python-like operator precedence and
 * string escapes), with the two global functions real templates call:
 * {@code raise_exception(message)} (fails the render with that message) and
 * {@code strftime_now(format)} (the current date, Python {@code strftime} format).
 *
 * <p><b>Fallback.</b> A model without a template (base models such as stories260K) gets
 * {@link #FALLBACK_TEMPLATE}, the ChatML layout transformers used as its default
 * ({@code <|im_start|>role\ncontent<|im_end|>\n}, then {@code <|im_start|>assistant\n}). For a
 * model never trained on it this is only a readable transcript, which is why
 * {@link #isFallback()} lets callers warn or use raw prompts instead.
 *
 * <p>Rendering is thread-safe.
 */
public final class ChatTemplate {

    /** ChatML, transformers' historical default template. */
    public static final String FALLBACK_TEMPLATE =
            "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content']"
                    + " + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
                    + "{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private static final ThreadLocal<Clock> CLOCK = new ThreadLocal<>();

    private final String source;
    private final String compiled;
    private final SpecialTokens specialTokens;
    private final boolean fallback;
    private final Clock clock;
    private final Jinjava jinjava;

    private ChatTemplate(String source, SpecialTokens specialTokens, boolean fallback, Clock clock) {
        this.source = source;
        this.compiled = JinjaCompat.rewrite(source);
        this.specialTokens = specialTokens == null ? SpecialTokens.NONE : specialTokens;
        this.fallback = fallback;
        this.clock = clock;
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withFailOnUnknownTokens(false)
                // Message text is data: "{{Order Number}}" in a customer's message (or an attacker's
                // "{{ ... }}") must be printed as written, never evaluated as a template.
                .withNestedInterpretationEnabled(false)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseNaturalOperatorPrecedence(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withAllowAdjacentTextNodes(true)
                        .withHandleBackslashInQuotesOnly(true)
                        .withIterateOverMapKeys(true)
                        .withEvaluateMapKeys(true)
                        .withUsePyishObjectMapper(true)
                        .withKeepNullableLoopValues(true)
                        .build())
                .build();
        this.jinjava = new Jinjava(config);
        jinjava.getGlobalContext().registerFunction(
                new ELFunctionDefinition("", "raise_exception", ChatTemplate.class, "raiseException", Object.class));
        jinjava.getGlobalContext().registerFunction(
                new ELFunctionDefinition("", "strftime_now", ChatTemplate.class, "strftimeNow", String.class));
    }

    /**
     * A template from its Jinja source.
     *
     * @param source the Jinja source ({@code chat_template})
     * @param specialTokens the strings bound to {@code bos_token}, {@code eos_token}, ...
     * @return the template
     */
    public static ChatTemplate of(String source, SpecialTokens specialTokens) {
        return new ChatTemplate(source, specialTokens, false, Clock.systemDefaultZone());
    }

    /**
     * The documented fallback ({@link #FALLBACK_TEMPLATE}) for models that ship no template.
     *
     * @param specialTokens the model's special tokens
     * @return the fallback template
     */
    public static ChatTemplate fallback(SpecialTokens specialTokens) {
        return new ChatTemplate(FALLBACK_TEMPLATE, specialTokens, true, Clock.systemDefaultZone());
    }

    /**
     * A copy whose {@code strftime_now} reads the given clock (for reproducible prompts and tests).
     *
     * @param other the clock
     * @return the copy
     */
    public ChatTemplate withClock(Clock other) {
        return new ChatTemplate(source, specialTokens, fallback, other);
    }

    /** @return the Jinja source */
    public String source() {
        return source;
    }

    /** @return whether this is the fallback because the model ships no template */
    public boolean isFallback() {
        return fallback;
    }

    /**
     * Renders a conversation.
     *
     * @param messages the turns so far
     * @param addGenerationPrompt whether to open an assistant turn for the model to complete
     * @return the prompt text (to be tokenized without adding special tokens again)
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }

    /**
     * Renders a conversation with extra template variables (for example {@code date_string} or
     * {@code tools}).
     *
     * @param messages the turns so far
     * @param addGenerationPrompt whether to open an assistant turn for the model to complete
     * @param extra more variables, overriding the defaults
     * @return the prompt text
     * @throws ModelException if the template raises an exception or fails to render
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> extra) {
        List<Map<String, Object>> turns = new ArrayList<>();
        for (ChatMessage m : messages) {
            Map<String, Object> turn = new LinkedHashMap<>();
            turn.put("role", m.role());
            turn.put("content", m.content());
            turns.add(turn);
        }
        Map<String, Object> context = new HashMap<>();
        context.put("messages", turns);
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("bos_token", nullToEmpty(specialTokens.bos()));
        context.put("eos_token", nullToEmpty(specialTokens.eos()));
        context.put("pad_token", nullToEmpty(specialTokens.pad()));
        context.put("unk_token", nullToEmpty(specialTokens.unk()));
        // transformers passes these as globals, so templates test them with "is defined".
        context.put("strftime_now", "strftime_now");
        context.put("raise_exception", "raise_exception");
        context.putAll(extra);
        CLOCK.set(clock);
        RenderResult result;
        try {
            result = jinjava.renderForResult(compiled, context);
        } catch (FatalTemplateErrorsException e) {
            throw new ModelException("Chat template failed: " + e.getMessage(), e);
        } catch (TemplateRaisedException e) {
            throw new ModelException("Chat template raised: " + e.getMessage(), e);
        } finally {
            CLOCK.remove();
        }
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                String message = error.getMessage();
                Throwable cause = error.getException();
                while (cause != null) {
                    if (cause instanceof TemplateRaisedException) {
                        throw new ModelException("Chat template raised: " + cause.getMessage(), cause);
                    }
                    cause = cause.getCause();
                }
                throw new ModelException("Chat template failed: " + message);
            }
        }
        return result.getOutput();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    /**
     * The {@code raise_exception} template function.
     *
     * @param message the template's message
     * @return never
     */
    public static Object raiseException(Object message) {
        throw new TemplateRaisedException(String.valueOf(message));
    }

    /**
     * The {@code strftime_now} template function: the current date and time in a Python
     * {@code strftime} format (the common specifiers: {@code %d %m %y %Y %b %B %a %A %H %I %M %S %p %j %%}).
     *
     * @param format the format
     * @return the formatted time
     */
    public static String strftimeNow(String format) {
        Clock c = CLOCK.get();
        return strftime(ZonedDateTime.now(c == null ? Clock.systemDefaultZone() : c), format);
    }

    static String strftime(ZonedDateTime t, String format) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char ch = format.charAt(i);
            if (ch != '%' || i + 1 == format.length()) {
                out.append(ch);
                continue;
            }
            char spec = format.charAt(++i);
            switch (spec) {
                case 'd': out.append(String.format("%02d", t.getDayOfMonth())); break;
                case 'm': out.append(String.format("%02d", t.getMonthValue())); break;
                case 'y': out.append(String.format("%02d", t.getYear() % 100)); break;
                case 'Y': out.append(t.getYear()); break;
                case 'b': out.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH)); break;
                case 'B': out.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH)); break;
                case 'a': out.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH)); break;
                case 'A': out.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH)); break;
                case 'H': out.append(String.format("%02d", t.getHour())); break;
                case 'I': out.append(String.format("%02d", (t.getHour() + 11) % 12 + 1)); break;
                case 'M': out.append(String.format("%02d", t.getMinute())); break;
                case 'S': out.append(String.format("%02d", t.getSecond())); break;
                case 'p': out.append(t.getHour() < 12 ? "AM" : "PM"); break;
                case 'j': out.append(String.format("%03d", t.getDayOfYear())); break;
                case '%': out.append('%'); break;
                default: out.append('%').append(spec); break;
            }
        }
        return out.toString();
    }

    /** What {@code raise_exception} throws through jinjava. */
    static final class TemplateRaisedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TemplateRaisedException(String message) {
            super(message);
        }
    }
}
