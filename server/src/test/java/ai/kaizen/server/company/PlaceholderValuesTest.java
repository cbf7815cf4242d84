package ai.kaizen.server.company;

import ai.kaizen.db.company.CompanyProfile;
import ai.kaizen.model.placeholder.PlaceholderFiller;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class PlaceholderValuesTest {

    private static final CompanyProfile ACME = new CompanyProfile(3, "Acme Ltd", "Acme Shop", "https://acme.example",
            "+1 555 0100", "help@acme.example", "Monday to Friday, 9:00 to 17:00", "the chat button on our website",
            Map.of("Refund Policy", "our 30-day refund policy", "order history", "Orders"), "otto", null);

    @Test
    void theProfilesFieldsUnderEveryNameTheBitextAnswersGiveThem() {
        PlaceholderValues values = new PlaceholderValues(ACME);
        assertThat(values.apply("Website Name")).isEqualTo("Acme Shop");
        assertThat(values.apply("website")).isEqualTo("Acme Shop");
        assertThat(values.apply("Website URL")).isEqualTo("https://acme.example");
        assertThat(values.apply("Company Name")).isEqualTo("Acme Ltd");
        assertThat(values.apply("Customer Support Phone Number")).isEqualTo("+1 555 0100");
        assertThat(values.apply("Customer Service Phone Number")).isEqualTo("+1 555 0100");
        assertThat(values.apply("Customer Support Phone Number Anonymized")).isEqualTo("+1 555 0100");
        assertThat(values.apply("Customer Support Email")).isEqualTo("help@acme.example");
        assertThat(values.apply("Customer Support Availability")).isEqualTo("Monday to Friday, 9:00 to 17:00");
        assertThat(values.apply("Customer Service Hours")).isEqualTo("Monday to Friday, 9:00 to 17:00");
        assertThat(values.apply("Live Chat")).isEqualTo("the chat button on our website");
    }

    @Test
    void extraValuesComeFirstWhateverTheirCaseAndSpacing() {
        PlaceholderValues values = new PlaceholderValues(ACME);
        assertThat(values.apply("refund  policy")).isEqualTo("our 30-day refund policy");
        assertThat(values.apply("Order History")).isEqualTo("Orders");
    }

    @Test
    void withoutAProfileEveryPlaceholderGetsANeutralPhrase() {
        PlaceholderValues values = new PlaceholderValues(CompanyProfile.NONE);
        assertThat(values.apply("Website Name")).isEqualTo("our website");
        assertThat(values.apply("Website URL")).isEqualTo("our website");
        assertThat(values.apply("Customer Support Phone Number")).isEqualTo("our customer support phone line");
        assertThat(values.apply("Customer Support Email")).isEqualTo("our customer support email");
        assertThat(values.apply("Customer Support Availability")).isEqualTo("our support hours");
        assertThat(values.apply("Live Chat")).isEqualTo("live chat");
        assertThat(values.apply("Company Name")).isEqualTo("our company");
    }

    @Test
    void theCustomersOwnDataIsNeverInvented() {
        PlaceholderValues values = new PlaceholderValues(ACME);
        assertThat(values.apply("Order Number Anonymized")).isEqualTo("your order number");
        assertThat(values.apply("Order Number")).isEqualTo("your order number");
        assertThat(values.apply("order number")).isEqualTo("your order number");
        assertThat(values.apply("Purchase ID Anonymized")).isEqualTo("your purchase number");
        assertThat(values.apply("Invoice Number Anonymized")).isEqualTo("your invoice number");
        assertThat(values.apply("Purchase Date Anonymized")).isEqualTo("your purchase date");
        assertThat(values.apply("Person Name")).isEqualTo("valued customer");
        assertThat(values.apply("370795561790")).isEqualTo("your order number");
    }

    @Test
    void buttonsAndPagesKeepTheirWords() {
        PlaceholderValues values = new PlaceholderValues(CompanyProfile.NONE);
        assertThat(values.apply("Order History")).isEqualTo("Order History");
        assertThat(values.apply("Cancel Order")).isEqualTo("Cancel Order");
        assertThat(values.apply("  Account   Settings ")).isEqualTo("Account Settings");
        assertThat(values.apply("\"\"Refund Policy\"\" or \"\"Money Back Guarantee\"\""))
                .isEqualTo("Refund Policy or Money Back Guarantee");
    }

    /** Every placeholder of the training data becomes words: no braces, nothing empty, in every Bitext answer. */
    @Test
    void everyBitextAnswerComesOutWithoutPlaceholders() throws Exception {
        Path csv = ai.kaizen.model.Fixtures.inRepository("data/bitext/detailed_responses.csv");
        String data = Files.readString(csv);
        Set<String> names = new LinkedHashSet<>();
        Matcher m = Pattern.compile("\\{\\{([^{}]*)}}").matcher(data);
        while (m.find()) {
            names.add(m.group(1));
        }
        assertThat(names).hasSizeGreaterThan(300);
        for (CompanyProfile profile : new CompanyProfile[] {CompanyProfile.NONE, ACME}) {
            PlaceholderValues values = new PlaceholderValues(profile);
            for (String name : names) {
                assertThat(values.apply(name)).as(name).isNotBlank().doesNotContain("{").doesNotContain("}");
            }
            String filled = PlaceholderFiller.fillAll(data, values);
            assertThat(filled).doesNotContain("{{").doesNotContain("}}");
        }
    }
}
