package ai.kaizen.trainer.starter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.kaizen.trainer.dataset.BitextImport.LabelledRow;
import ai.kaizen.trainer.dataset.BitextImport.Mention;
import ai.kaizen.trainer.sft.TestData;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Values made fresh in message and answer alike, and carried from one turn to the next. */
class CustomerFactsTest {

    private static LabelledRow row(String message, String value, String type, String answer) {
        int start = message.indexOf(value);
        return new LabelledRow(message, "cancel_order", "ORDER", answer, new Mention(type, start,
                start + value.length()));
    }

    @Test
    void aFreshNumberReplacesTheOriginalInTheMessageAndItsPlaceholderStandsInTheAnswer() {
        LabelledRow r = row("help me cancel purchase 00123842 please", "00123842", "order_id",
                "I see you want to cancel order 00123842. For order 00123842, go to {{Order History}}.");
        Set<String> values = new HashSet<>();
        Random random = new Random(1);
        for (int i = 0; i < 20; i++) {
            CustomerFacts.Exchange e = CustomerFacts.fresh(r, random);
            assertThat(e.value()).matches("[1-9][0-9]{4,13}");
            assertThat(e.message()).isEqualTo("help me cancel purchase " + e.value() + " please");
            assertThat(e.answer()).isEqualTo("I see you want to cancel order {{Order Number Anonymized}}. For order "
                    + "{{Order Number Anonymized}}, go to {{Order History}}.");
            values.add(e.value());
        }
        assertThat(values).hasSizeGreaterThan(15);
    }

    @Test
    void onlyWholeWordsOfTheValueAreReplacedAndCaseFollowsTheMessage() {
        LabelledRow r = row("edit premium account", "premium", "account_type",
                "To edit your Premium account (not a premiumness thing), open {{Account Settings}}.");
        CustomerFacts.Exchange e = CustomerFacts.fresh(r, new Random(3));
        assertThat(e.answer()).contains("your " + e.value() + " account").contains("premiumness");
        assertThat(e.value()).isLowerCase();
    }

    @Test
    void aRowWhoseAnswerDoesNotRepeatTheValueStaysAsItIs() {
        LabelledRow r = row("cancel order 555", "555", "order_id", "Go to {{Order History}}.");
        assertThat(CustomerFacts.carriesValue(r)).isFalse();
        assertThat(CustomerFacts.fresh(r, new Random(1)).message()).isEqualTo("cancel order 555");
        assertThat(CustomerFacts.carriesValue(new LabelledRow("hi", "x", "X", "hello"))).isFalse();
        assertThatThrownBy(() -> CustomerFacts.carryOver(r, new Random(1), false))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aCarryOverGivesTheValueFirstAndAsksWithoutIt() {
        LabelledRow r = row("how can I cancel purchase 113542617735902?", "113542617735902", "order_id",
                "To cancel purchase 113542617735902, open {{Order History}}.");
        CustomerFacts.CarryOver c = CustomerFacts.carryOver(r, new Random(5), false);
        assertThat(c.fact()).contains(c.value());
        assertThat(c.acknowledgement()).contains("{{Order Number Anonymized}}").doesNotContain(c.value());
        assertThat(c.shownAcknowledgement())
                .isEqualTo(c.acknowledgement().replace("{{Order Number Anonymized}}", c.value()));
        assertThat(c.request()).doesNotContain(c.value()).doesNotContain("113542617735902")
                .startsWith("how can I cancel purchase").doesNotContain("  ").doesNotContain(" ?");
        assertThat(c.answer()).isEqualTo("To cancel purchase {{Order Number Anonymized}}, open {{Order History}}.");
    }

    @Test
    void anAnswerWritingTheNumberOtherwiseStillGetsThePlaceholder() {
        LabelledRow extended = row("cancel purchase 3707955617", "3707955617", "order_id",
                "To cancel purchase 370795561790, quote 370795561790 and your postcode 90210.");
        assertThat(CustomerFacts.carriesValue(extended)).isTrue();
        assertThat(CustomerFacts.fresh(extended, new Random(1)).answer()).isEqualTo("To cancel purchase "
                + "{{Order Number Anonymized}}, quote {{Order Number Anonymized}} and your postcode 90210.");
        LabelledRow invoice = row("find bill #00108", "#00108", "invoice_id", "Bill 00108 is in {{Invoices}}.");
        assertThat(CustomerFacts.fresh(invoice, new Random(1)).answer())
                .isEqualTo("Bill {{Invoice Number Anonymized}} is in {{Invoices}}.");
        assertThat(CustomerFacts.sameNumber("00123842", "123842")).isTrue();
        assertThat(CustomerFacts.sameNumber("123842", "123942")).isFalse();
        assertThat(CustomerFacts.sameNumber("12", "12")).isFalse();
    }

    @Test
    void aCarriedNameIsCopiedIntoTheAnswers() {
        LabelledRow r = row("update the account of Maria Smith", "Maria Smith", "person_name",
                "I can update the account of Maria Smith in {{Account Settings}}.");
        CustomerFacts.CarryOver c = CustomerFacts.carryOver(r, new Random(2), false);
        assertThat(c.acknowledgement()).contains(c.value()).isEqualTo(c.shownAcknowledgement());
        assertThat(c.answer()).isEqualTo("I can update the account of " + c.value() + " in {{Account Settings}}.");
    }

    @Test
    void referencesKeepTheRequestReadable() {
        String m = "need assistance to create a Gold account for my daughter";
        int start = m.indexOf("Gold");
        assertThat(CustomerFacts.referTo(m, new Mention("account_type", start, start + 4), "that"))
                .isEqualTo("need assistance to create that kind of account for my daughter");
        String refund = "reimburse $12 please";
        int s = refund.indexOf("12");
        assertThat(CustomerFacts.referTo(refund, new Mention("refund_amount", s, s + 2), "that amount"))
                .isEqualTo("reimburse that amount please");
        String dollars = "reimbursing 160 dollars";
        int d = dollars.indexOf("160");
        assertThat(CustomerFacts.referTo(dollars, new Mention("refund_amount", d, d + 3), "that amount"))
                .isEqualTo("reimbursing that amount");
    }

    @Test
    void theShippedDataCarriesValuesOfEveryKindAndHeldOutFactsAreWordedApart() {
        StarterData data = StarterData.of(StarterCorpus.load(TestData.data("")), StarterRecipe.SEED);
        List<LabelledRow> carrying = data.trainDetailed().stream().filter(CustomerFacts::carriesValue).toList();
        assertThat(carrying).hasSizeGreaterThan(1000);
        Set<String> types = new HashSet<>();
        carrying.forEach(r -> types.add(r.mention().type()));
        assertThat(types).contains("order_id", "invoice_id", "person_name", "account_type", "delivery_city",
                "delivery_country", "refund_amount");
        Random random = new Random(9);
        Set<String> trainFacts = new HashSet<>();
        Set<String> heldOutFacts = new HashSet<>();
        for (LabelledRow r : carrying.subList(0, 300)) {
            CustomerFacts.CarryOver train = CustomerFacts.carryOver(r, random, false);
            CustomerFacts.CarryOver held = CustomerFacts.carryOver(r, random, true);
            trainFacts.add(train.fact().replace(train.value(), "{v}"));
            heldOutFacts.add(held.fact().replace(held.value(), "{v}"));
            boolean number = Set.of("order_id", "invoice_id").contains(r.mention().type());
            assertThat(train.answer()).contains(number ? "Number Anonymized}}" : train.value());
        }
        assertThat(heldOutFacts).doesNotContainAnyElementsOf(trainFacts);
    }
}
