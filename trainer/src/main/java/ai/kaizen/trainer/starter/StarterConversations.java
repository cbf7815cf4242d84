package ai.kaizen.trainer.starter;

import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.dataset.BitextImport.LabelledRow;
import ai.kaizen.trainer.dataset.Provenance;
import ai.kaizen.trainer.dataset.SftExample;
import ai.kaizen.trainer.starter.CustomerFacts.CarryOver;
import ai.kaizen.trainer.starter.CustomerFacts.Exchange;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * Multi-turn conversations for chat tuning, made from single exchanges: customers ask several things in one chat,
 * give a fact one turn and refer to it the next ({@link CustomerFacts}), and write long messages that tell a story
 * before the request. The loss covers every assistant turn, so each conversation teaches its first answer (with
 * nothing before it) as well as the later ones, and a model that sees only such conversations still answers a
 * single message.
 *
 * <p>Conversations are filled with exchanges up to a drawn length (most between 256 and 1,536 tokens, some up to
 * the context), so that a batch of them pads little, and rotary positions up to the context are trained.
 * Taskmaster-4's dialogs (short coffee orders) come in whole among the exchanges, as the multi-turn talk of real
 * people.
 *
 * @param context the longest conversation, in tokens
 * @param tokens counts a message's tokens (an estimate suffices: the chat template adds a few per message)
 */
public record StarterConversations(int context, ToIntFunction<String> tokens) {

    /** Tokens the chat template adds around each message (ChatML: start, role, newline, end, newline). */
    private static final int TEMPLATE_TOKENS = 5;

    /** Sentences customers put around a request in long messages (training set). */
    static final List<String> TRAIN_CONTEXT = List.of(
            "Hello there, I hope you are having a good day.",
            "I have been a loyal customer for several years and usually everything works fine.",
            "I already tried to do this myself on the website, but I could not figure it out.",
            "This is the second time I am writing about this, so I would appreciate a quick answer.",
            "Sorry for the long message, I just want to explain everything properly.",
            "I am writing from my phone, so please excuse any typos.",
            "My sister recommended your shop to me and I have been happy with it so far.",
            "I looked through the help pages and the FAQ but did not find what I need.",
            "I am travelling next week, so I would like to sort this out before then.",
            "It is quite urgent for me because it is a present for my mother's birthday.",
            "I called earlier but the line was busy for a long time.",
            "English is not my first language, so I hope this makes sense.",
            "Everything else about your service has been great.",
            "I work night shifts, so replying by chat is easier for me than calling.",
            "I have a few minutes before my next meeting.",
            "Last month I had a similar question and your colleague helped me a lot.",
            "I don't use computers much, so please explain it simply.",
            "I would really like to keep shopping with you.",
            "Thank you in advance for your help!",
            "Have a nice day.",
            "Any help is appreciated.",
            "Let me know if you need anything else from me.",
            "I am a bit frustrated, to be honest.",
            "My husband usually handles these things but he is away this week.",
            "I am using the app on a tablet.",
            "The weather here is terrible today, so I am staying in and catching up on errands.");

    /** Sentences for the held-out long messages: never seen in training. */
    static final List<String> HELD_OUT_CONTEXT = List.of(
            "Good morning, I hope this reaches the right team.",
            "I moved house recently and I am still getting everything organised.",
            "I asked a friend who works in retail, but she did not know either.",
            "Please bear with me, this is my first time contacting you.",
            "I would be grateful for a reply today if possible.",
            "My laptop is old, so some pages load slowly for me.",
            "Many thanks, and have a lovely weekend.",
            "I spent an hour on this yesterday without success.");

    /**
     * Training conversations from the training rows and dialogs: each row once per round, as a plain exchange, a
     * long message, or (when it carries a value) a carry-over pair, with fresh values each round; each dialog once
     * per round, whole.
     *
     * @param rows the training rows (detailed answers)
     * @param dialogs Taskmaster-4 dialogs (turn texts, customer first)
     * @param heldOut the held-out messages: a fresh value can turn a training message into one of them (Bitext
     *     has messages that differ only in their value), and such a draw is redrawn
     * @param rounds how many times each row appears (with other values, partners and wording each time)
     * @param seed the draw's seed
     * @return the conversations, shuffled
     */
    public List<SftExample> training(List<LabelledRow> rows, List<List<String>> dialogs, Predicate<String> heldOut,
            int rounds, long seed) {
        Random random = new Random(seed);
        List<SftExample> out = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            List<List<ChatMessage>> units = new ArrayList<>();
            for (LabelledRow row : rows) {
                List<ChatMessage> unit = unit(row, random, false, heldOut);
                for (int draw = 1; draw < MAX_DRAWS && unit == null; draw++) {
                    unit = unit(row, random, false, heldOut);
                }
                if (unit != null) {
                    units.add(unit);
                }
            }
            for (List<String> dialog : dialogs) {
                List<ChatMessage> turns = dialogTurns(dialog);
                if (turns.size() >= 2) {
                    units.add(turns);
                }
            }
            Collections.shuffle(units, random);
            out.addAll(fill(units, random));
        }
        Collections.shuffle(out, random);
        return out;
    }

    /**
     * Held-out conversations in the training conversations' shape, for the multi-turn evaluation loss.
     *
     * @param rows held-out rows
     * @param seed the draw's seed
     * @return the conversations
     */
    public List<SftExample> heldOut(List<LabelledRow> rows, long seed) {
        Random random = new Random(seed);
        List<List<ChatMessage>> units = new ArrayList<>();
        for (LabelledRow row : rows) {
            units.add(unit(row, random, true, message -> false));
        }
        Collections.shuffle(units, random);
        return fill(units, random);
    }

    /** Draws of a unit before a row that keeps turning into a held-out message is left out of the round. */
    private static final int MAX_DRAWS = 20;

    /**
     * One row as the messages of a plain exchange, a long message or a carry-over pair; null when the drawn request
     * is one of the excluded messages.
     */
    private List<ChatMessage> unit(LabelledRow row, Random random, boolean heldOut, Predicate<String> excluded) {
        int draw = random.nextInt(10);
        if (CustomerFacts.carriesValue(row) && draw < 4) {
            CarryOver c = CustomerFacts.carryOver(row, random, heldOut);
            return excluded.test(c.request()) ? null
                    : List.of(ChatMessage.user(c.fact()), ChatMessage.assistant(c.acknowledgement()),
                            ChatMessage.user(c.request()), ChatMessage.assistant(c.answer()));
        }
        Exchange e = CustomerFacts.fresh(row, random);
        if (excluded.test(e.message())) {
            return null;
        }
        String message = draw >= 7 ? longMessage(e.message(), random, heldOut) : e.message();
        return List.of(ChatMessage.user(message), ChatMessage.assistant(e.answer()));
    }

    /**
     * A request wrapped in a few sentences of context, before and sometimes after it.
     *
     * @param request the customer's request
     * @param random the draw
     * @param heldOut whether to use the held-out sentences
     * @return the long message
     */
    public static String longMessage(String request, Random random, boolean heldOut) {
        List<String> pool = new ArrayList<>(heldOut ? HELD_OUT_CONTEXT : TRAIN_CONTEXT);
        Collections.shuffle(pool, random);
        int before = 1 + random.nextInt(4);
        int after = random.nextInt(3) == 0 ? 1 : 0;
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < before; i++) {
            out.append(pool.get(i)).append(' ');
        }
        out.append(request);
        for (int i = 0; i < after; i++) {
            out.append(' ').append(pool.get(before + i));
        }
        return out.toString();
    }

    /** Packs units into conversations, each up to a drawn length; a unit longer than the context stays out. */
    private List<SftExample> fill(List<List<ChatMessage>> units, Random random) {
        List<SftExample> out = new ArrayList<>();
        List<ChatMessage> current = new ArrayList<>();
        int used = 0;
        int target = targetLength(random);
        for (List<ChatMessage> unit : units) {
            int n = length(unit);
            if (n > context) {
                continue;
            }
            if (!current.isEmpty() && used + n > target) {
                out.add(example(withSystemPrompt(current, random)));
                current = new ArrayList<>();
                used = 0;
                target = targetLength(random);
            }
            current.addAll(unit);
            used += n;
        }
        if (!current.isEmpty()) {
            out.add(example(withSystemPrompt(current, random)));
        }
        return out;
    }

    /** Most conversations between 256 and 1,536 tokens, one in eight up to the context (less the system prompt). */
    private int targetLength(Random random) {
        // a margin for the estimate: the template's tokens are counted, not rendered
        int room = context - 32 - length(List.of(ChatMessage.system(StarterData.SYSTEM_PROMPT)));
        int longest = Math.min(room, 1536);
        int shortest = Math.min(256, longest);
        return random.nextInt(8) == 0 && room > longest
                ? longest + random.nextInt(room - longest + 1)
                : shortest + random.nextInt(longest - shortest + 1);
    }

    /** Half the conversations start with the server's default system prompt, as in single-turn tuning. */
    private static List<ChatMessage> withSystemPrompt(List<ChatMessage> turns, Random random) {
        if (!random.nextBoolean()) {
            return turns;
        }
        List<ChatMessage> out = new ArrayList<>(turns.size() + 1);
        out.add(ChatMessage.system(StarterData.SYSTEM_PROMPT));
        out.addAll(turns);
        return out;
    }

    private int length(List<ChatMessage> messages) {
        int n = 0;
        for (ChatMessage m : messages) {
            n += tokens.applyAsInt(m.content()) + TEMPLATE_TOKENS;
        }
        return n;
    }

    /** A dialog's turns as alternating user and assistant messages, a speaker's consecutive turns joined. */
    static List<ChatMessage> dialogTurns(List<String> dialog) {
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < dialog.size(); i++) {
            out.add(i % 2 == 0 ? ChatMessage.user(dialog.get(i)) : ChatMessage.assistant(dialog.get(i)));
        }
        if (!out.isEmpty() && "user".equals(out.get(out.size() - 1).role())) {
            out.remove(out.size() - 1);
        }
        return out;
    }

    private static SftExample example(List<ChatMessage> messages) {
        return new SftExample(List.copyOf(messages), Provenance.of("starter-conversation"));
    }
}
