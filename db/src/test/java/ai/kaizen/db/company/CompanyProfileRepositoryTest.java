package ai.kaizen.db.company;

import ai.kaizen.db.EmbeddedDatabaseTest;
import ai.kaizen.db.chat.Conversation;
import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.chat.Message;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** The company profile's versions and the answers' shown text against the real (embedded) PostgreSQL. */
class CompanyProfileRepositoryTest extends EmbeddedDatabaseTest {

    private static CompanyProfile profile(String phone) {
        return new CompanyProfile(0, "Acme Ltd", null, "https://acme.example", phone, null, null, null,
                Map.of("Refund Policy", "30 days", "Order History", "Orders"), null, null);
    }

    @Test
    void everySaveIsTheNextVersionAndEarlierOnesStay() throws Exception {
        CompanyProfileRepository profiles = new CompanyProfileRepository(db.sessions());
        // saved at once from several places, the versions still count up one by one
        List<CompletableFuture<CompanyProfile>> saves = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            saves.add(profiles.save(profile("+1 555 010" + i), "otto").toCompletableFuture());
        }
        List<Integer> versions = new ArrayList<>();
        for (CompletableFuture<CompanyProfile> save : saves) {
            versions.add(await(save).version());
        }
        assertThat(versions).containsExactlyInAnyOrder(1, 2, 3, 4, 5, 6);

        CompanyProfile current = await(profiles.current()).orElseThrow();
        assertThat(current.version()).isEqualTo(6);
        assertThat(current.savedBy()).isEqualTo("otto");
        assertThat(current.savedAt()).isNotNull();
        assertThat(current.name()).isEqualTo("Acme Ltd");
        assertThat(current.websiteName()).isNull();
        assertThat(current.extra()).containsOnly(Map.entry("Order History", "Orders"),
                Map.entry("Refund Policy", "30 days"));
        assertThat(await(profiles.versions(10))).extracting(CompanyProfile::version).containsExactly(6, 5, 4, 3, 2, 1);
        assertThat(await(profiles.version(1))).hasValueSatisfying(first ->
                assertThat(first.supportPhone()).startsWith("+1 555 010"));
        assertThat(await(profiles.version(7))).isEmpty();
    }

    @Test
    void anAnswerKeepsWhatTheModelWroteAndWhatTheCustomerSaw() throws Exception {
        ConversationRepository conversations = new ConversationRepository(db.sessions());
        Conversation c = await(conversations.create(new Conversation(UUID.randomUUID(), "session:y", "Phone", "")));
        Message question = Message.written(c.id(), null, Message.Author.user, "Your phone number?");
        Message filled = Message.answer(UUID.randomUUID(), c.id(), question.id(),
                "Call {{Customer Support Phone Number}}.", new Message.Generation("starter@1", "{}", 5, 6, 7, 1, "stop"))
                .shownAs("Call +1 555 0100.");
        Message plain = Message.answer(UUID.randomUUID(), c.id(), question.id(), "Hello.",
                new Message.Generation("starter@1", "{}", 5, 2, 7, 1, "stop")).shownAs("Hello.");
        await(conversations.append(c.id(), List.of(question, filled, plain), filled.id()));
        List<Message> stored = await(conversations.messages(c.id()));
        Message answer = stored.stream().filter(m -> m.id().equals(filled.id())).findFirst().orElseThrow();
        assertThat(answer.content()).isEqualTo("Call {{Customer Support Phone Number}}.");
        assertThat(answer.shown()).isEqualTo("Call +1 555 0100.");
        Message same = stored.stream().filter(m -> m.id().equals(plain.id())).findFirst().orElseThrow();
        assertThat(same.shown()).isEqualTo(same.content()).isEqualTo("Hello.");
        assertThat(stored.stream().filter(m -> m.role() == Message.Author.user).findFirst().orElseThrow().shown())
                .isEqualTo("Your phone number?");
    }
}
