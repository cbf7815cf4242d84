package ai.kaizen.model.placeholder;

import ai.kaizen.model.tokenizer.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class CustomerValuesTest {

    private static Map<CustomerSlot, String> of(String... customerMessages) {
        return CustomerValues.fromCustomer(List.of(customerMessages)).asMap();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "I want to cancel order 55120 that I placed this morning, please.|55120",
            "My order number is 48213.|48213",
            "The order number is 949061.|949061",
            "Order number: 48213|48213",
            "order no. 48213 has not arrived|48213",
            "Hi there, my order is 4674569250597.|4674569250597",
            "it's regarding order 548572|548572",
            "how can I cancel purchase 113542617735902?|113542617735902",
            "can you help me canceling purchase 00004587345?|00004587345",
            "where is my order #48213?|#48213",
            "Order ID: ORD-2211-77|ORD-2211-77",
            "my order number is 123|123"})
    void findsOrderNumbers(String message, String value) {
        assertThat(of(message)).containsEntry(CustomerSlot.ORDER_NUMBER, value);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "I'd like to order 2000 business cards.",
            "Can I order 5000 more?",
            "I want to purchase 1500 licences",
            "please order 3000 units for me",
            "my order of 2500 pens is late",
            "the order 1234 dollars worth of stuff",
            "the order was 10/12/2024",
            "I placed the order at 10:30",
            "I ordered 48213 things",
            "my reorder 48213 failed",
            "where are my orders 48213",
            "order 12 is late",
            "order number 12",
            "my order is late",
            "the order arrived, my phone number is 555 0100 88",
            "order 48213abc@mail.com is my email",
            "Your order 48213 is confirmed"})
    void takesNoOrderNumberWhereTheWordsDoNotSayItIsOne(String message) {
        if (message.startsWith("Your order")) {
            // the same words from the assistant give nothing: only the customer's messages are read
            assertThat(CustomerValues.of(List.of(ChatMessage.assistant(message))).asMap()).isEmpty();
            return;
        }
        assertThat(of(message)).doesNotContainKey(CustomerSlot.ORDER_NUMBER);
    }

    @Test
    void findsInvoiceTrackingAndAccountNumbers() {
        assertThat(of("It's about invoice #INV-2211.")).containsEntry(CustomerSlot.INVOICE_NUMBER, "#INV-2211");
        assertThat(of("The invoice number is #85632.")).containsEntry(CustomerSlot.INVOICE_NUMBER, "#85632");
        assertThat(of("hi, my bill number is INV-123456")).containsEntry(CustomerSlot.INVOICE_NUMBER, "INV-123456");
        assertThat(of("my tracking number is 1Z999AA10123456784"))
                .containsEntry(CustomerSlot.TRACKING_NUMBER, "1Z999AA10123456784");
        assertThat(of("Account number: 00-7781-22")).containsEntry(CustomerSlot.ACCOUNT_NUMBER, "00-7781-22");
        assertThat(of("my bill 250 dollars is too high", "the invoice is wrong", "I have a premium account",
                "my bill is 1500 USD", "the invoice number was 2024 days late", "my account is 1200 days old"))
                .isEmpty();
    }

    @Test
    void findsEmailPhoneAndUsernameOnlyWhenTheyAreTheCustomers() {
        assertThat(of("My email is maria.garcia+shop@example.co.uk."))
                .containsEntry(CustomerSlot.EMAIL_ADDRESS, "maria.garcia+shop@example.co.uk");
        assertThat(of("you can reach me at maria@example.com"))
                .containsEntry(CustomerSlot.EMAIL_ADDRESS, "maria@example.com");
        assertThat(of("my new e-mail address: j.doe@example.org"))
                .containsEntry(CustomerSlot.EMAIL_ADDRESS, "j.doe@example.org");
        assertThat(of("I wrote to help@acme.example twice")).doesNotContainKey(CustomerSlot.EMAIL_ADDRESS);

        assertThat(of("my phone number is +1 (555) 010-0199, thanks"))
                .containsEntry(CustomerSlot.PHONE_NUMBER, "+1 (555) 010-0199");
        assertThat(of("call me at 0176 5550 1234")).containsEntry(CustomerSlot.PHONE_NUMBER, "0176 5550 1234");
        assertThat(of("my phone is broken", "call me at 5 pm", "I called 555 0100 yesterday"))
                .doesNotContainKey(CustomerSlot.PHONE_NUMBER);

        assertThat(of("my username is maria_g84")).containsEntry(CustomerSlot.USERNAME, "maria_g84");
        assertThat(of("my username is not working", "my username was changed"))
                .doesNotContainKey(CustomerSlot.USERNAME);
    }

    @Test
    void findsTheCustomersNameWhenTheyIntroduceThemselves() {
        assertThat(of("Hello, my name is Maria Garcia and I need help.")).containsEntry(CustomerSlot.PERSON_NAME,
                "Maria Garcia").containsEntry(CustomerSlot.FIRST_NAME, "Maria")
                .containsEntry(CustomerSlot.LAST_NAME, "Garcia");
        assertThat(of("My name is Ms. Rossi")).containsEntry(CustomerSlot.PERSON_NAME, "Ms. Rossi")
                .containsEntry(CustomerSlot.LAST_NAME, "Rossi").doesNotContainKey(CustomerSlot.FIRST_NAME);
        assertThat(of("Name: Kwame Mensah\nOrder 48213 is missing")).containsEntry(CustomerSlot.PERSON_NAME,
                "Kwame Mensah").containsEntry(CustomerSlot.ORDER_NUMBER, "48213");
        // someone else's name, a lower-case word, or no introduction: no name
        assertThat(of("I'm asking on behalf of Maria Garcia.", "This is about James Okafor.",
                "my name is not on the account", "I am Very Angry", "the name on the card is John Smith"))
                .doesNotContainKeys(CustomerSlot.PERSON_NAME, CustomerSlot.FIRST_NAME, CustomerSlot.LAST_NAME);
    }

    @Test
    void severalValuesOfSeveralKindsInOneConversation() {
        assertThat(of("Hi, my name is Chen Nguyen.", "I want to return order 48213, invoice #INV-2211.",
                "my email is chen@example.com"))
                .containsExactlyInAnyOrderEntriesOf(Map.of(CustomerSlot.PERSON_NAME, "Chen Nguyen",
                        CustomerSlot.FIRST_NAME, "Chen", CustomerSlot.LAST_NAME, "Nguyen",
                        CustomerSlot.ORDER_NUMBER, "48213", CustomerSlot.INVOICE_NUMBER, "#INV-2211",
                        CustomerSlot.EMAIL_ADDRESS, "chen@example.com"));
    }

    @Test
    void theLatestValueWins() {
        assertThat(of("My order number is 11111.", "Sorry, wrong one: the order number is 22222."))
                .containsEntry(CustomerSlot.ORDER_NUMBER, "22222");
        assertThat(of("order 11111 or rather order 33333")).containsEntry(CustomerSlot.ORDER_NUMBER, "33333");
        // a later message without a value keeps the earlier one
        assertThat(of("My order number is 11111.", "I want to cancel the order I mentioned"))
                .containsEntry(CustomerSlot.ORDER_NUMBER, "11111");
        // a later name replaces the first and last names too
        assertThat(of("my name is Maria Garcia", "my name is Ms. Rossi"))
                .containsEntry(CustomerSlot.PERSON_NAME, "Ms. Rossi").containsEntry(CustomerSlot.LAST_NAME, "Rossi")
                .doesNotContainKey(CustomerSlot.FIRST_NAME);
    }

    @Test
    void onlyTheCustomersMessagesAreRead() {
        CustomerValues values = CustomerValues.of(List.of(
                ChatMessage.system("Your order number is 99999 and my name is Acme Bot."),
                ChatMessage.user("The order number is 949061."),
                ChatMessage.assistant("Thank you! I have noted your order number 466666."),
                ChatMessage.user("need to cancel order I mentioned")));
        assertThat(values.asMap()).containsExactly(Map.entry(CustomerSlot.ORDER_NUMBER, "949061"));
        assertThat(CustomerValues.of(List.of(ChatMessage.user("hello"))).asMap()).isEmpty();
    }

    @Test
    void placeholderNamesOfTheCustomersValues() {
        assertThat(CustomerSlot.of("Order Number Anonymized")).contains(CustomerSlot.ORDER_NUMBER);
        assertThat(CustomerSlot.of("  purchase   ID ")).contains(CustomerSlot.ORDER_NUMBER);
        assertThat(CustomerSlot.of("370795561790")).contains(CustomerSlot.ORDER_NUMBER);
        assertThat(CustomerSlot.of("Bill Number Anonymized")).contains(CustomerSlot.INVOICE_NUMBER);
        assertThat(CustomerSlot.of("Name Field Anonymized")).contains(CustomerSlot.PERSON_NAME);
        assertThat(CustomerSlot.of("Client First Name")).contains(CustomerSlot.FIRST_NAME);
        assertThat(CustomerSlot.of("Email Address")).contains(CustomerSlot.EMAIL_ADDRESS);
        // the company's own contact details, buttons and pages are not the customer's
        assertThat(CustomerSlot.of("Phone Number")).isEmpty();
        assertThat(CustomerSlot.of("Email")).isEmpty();
        assertThat(CustomerSlot.of("Customer Support Phone Number")).isEmpty();
        assertThat(CustomerSlot.of("Order History")).isEmpty();
        assertThat(CustomerSlot.of("-")).isEmpty();
        assertThat(CustomerSlot.neutralPhrase("Purchase ID Anonymized")).contains("your purchase number");
        assertThat(CustomerSlot.neutralPhrase("12345")).contains("your order number");
        assertThat(CustomerSlot.neutralPhrase("Website Name")).isEmpty();
    }

    /** Known company names in capitals, anything else as <name>: shows what the fill fell back to. */
    private static final UnaryOperator<String> COMPANY = name -> Map.of("Website Name", "Acme")
            .getOrDefault(name, "<" + name + ">");

    @Test
    void theCustomersValuesComeFirstAndTheRestFallsBack() {
        UnaryOperator<String> fill = CustomerValues.fromCustomer(List.of("The order number is 949061."))
                .before(COMPANY);
        assertThat(PlaceholderFiller.fillAll("I will cancel order {{Order Number Anonymized}} on {{Website Name}};"
                + " your invoice {{Invoice Number}} stays.", fill))
                .isEqualTo("I will cancel order 949061 on Acme; your invoice <Invoice Number> stays.");
        assertThat(PlaceholderFiller.fillAll("purchase {{370795561790}}", fill)).isEqualTo("purchase 949061");
        assertThat(PlaceholderFiller.fillAll("order {{Order Number}}", CustomerValues.NONE.before(COMPANY)))
                .isEqualTo("order <Order Number>");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "I understand you want to cancel the order {{Order Number Anonymized}}, {{Name Field Anonymized}}.",
            "Invoice {{Bill Number Anonymized}} for {{Client First Name}} {{Client Last Name}} at {{Website Name}}",
            "{{{Order Number}}}{{Email Address}}}} {{Order Num",
            "a {b} {{Tracking Number}} c"})
    void withTheCustomersValuesEverySplitGivesTheSameText(String text) {
        UnaryOperator<String> fill = CustomerValues.fromCustomer(List.of("My name is Maria Garcia.",
                "It's about order 48213 and invoice #INV-2211, my email is maria@example.com",
                "tracking number: 1Z999AA1")).before(COMPANY);
        String expected = PlaceholderFiller.fillAll(text, fill);
        assertThat(expected).doesNotContain("{{").doesNotContain("Anonymized");
        for (int cut = 0; cut <= text.length(); cut++) {
            for (int second = cut; second <= text.length(); second++) {
                PlaceholderFiller filler = new PlaceholderFiller(fill);
                String out = filler.accept(text.substring(0, cut)) + filler.accept(text.substring(cut, second))
                        + filler.accept(text.substring(second)) + filler.finish();
                assertThat(out).as("cuts at %d and %d of %s", cut, second, text).isEqualTo(expected);
            }
        }
        List<String> characters = new ArrayList<>();
        text.codePoints().forEach(c -> characters.add(new String(Character.toChars(c))));
        PlaceholderFiller filler = new PlaceholderFiller(fill);
        StringBuilder out = new StringBuilder();
        characters.forEach(c -> out.append(filler.accept(c)));
        assertThat(out.append(filler.finish()).toString()).isEqualTo(expected);
    }

    @Test
    void theFilledExamplesReadAsExpected() {
        UnaryOperator<String> fill = CustomerValues.fromCustomer(List.of("My name is Maria Garcia.",
                "It's about order 48213 and invoice #INV-2211")).before(COMPANY);
        assertThat(PlaceholderFiller.fillAll("I understand you want to cancel the order {{Order Number Anonymized}},"
                + " {{Name Field Anonymized}}.", fill))
                .isEqualTo("I understand you want to cancel the order 48213, Maria Garcia.");
        assertThat(PlaceholderFiller.fillAll("Invoice {{Bill Number Anonymized}} for {{Client First Name}} "
                + "{{Client Last Name}} at {{Website Name}}", fill))
                .isEqualTo("Invoice #INV-2211 for Maria Garcia at Acme");
    }
}
