package ai.kaizen.server.company;

import ai.kaizen.db.company.CompanyProfile;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CompanyProfileJsonTest {

    private static final CompanyProfile CURRENT = new CompanyProfile(2, "Acme Ltd", "Acme Shop",
            "https://acme.example", "+1 555 0100", "help@acme.example", "9 to 5", "the chat button",
            Map.of("Refund Policy", "30 days"), "otto", null);

    private static CompanyProfile read(String json) {
        return CompanyProfileJson.read(new JsonObject(json), CURRENT);
    }

    private static void invalid(String json, String message) {
        assertThatThrownBy(() -> read(json)).isInstanceOf(CompanyProfileJson.Invalid.class)
                .hasMessageContaining(message);
    }

    @Test
    void fieldsLeftOutKeepTheirValuesNullOrEmptyClearsThem() {
        CompanyProfile p = read("{\"name\": \"  Acme Inc \", \"support_hours\": null, \"live_chat\": \"\"}");
        assertThat(p.name()).isEqualTo("Acme Inc");
        assertThat(p.supportHours()).isNull();
        assertThat(p.liveChat()).isNull();
        assertThat(p.websiteName()).isEqualTo("Acme Shop");
        assertThat(p.extra()).containsEntry("Refund Policy", "30 days");
    }

    @Test
    void extraReplacesAllExtraValuesAndTakesNamesWithOrWithoutBraces() {
        CompanyProfile p = read("{\"extra\": {\"{{Order History}}\": \"Orders\", \" Cancel Order \": \"Cancel\"}}");
        assertThat(p.extra()).containsOnly(Map.entry("Order History", "Orders"), Map.entry("Cancel Order", "Cancel"));
        assertThat(read("{\"extra\": null}").extra()).isEmpty();
    }

    @Test
    void theWrittenProfileReadsBackAsTheSame() {
        CompanyProfile p = CompanyProfileJson.read(CompanyProfileJson.write(CURRENT), CompanyProfile.NONE);
        assertThat(p.name()).isEqualTo(CURRENT.name());
        assertThat(p.websiteUrl()).isEqualTo(CURRENT.websiteUrl());
        assertThat(p.supportPhone()).isEqualTo(CURRENT.supportPhone());
        assertThat(p.extra()).isEqualTo(CURRENT.extra());
    }

    @Test
    void badValuesAreNamed() {
        invalid("{\"name\": 5}", "name must be a string or null");
        invalid("{\"website_url\": \"acme.example\"}", "website_url must be an http or https address");
        invalid("{\"website_url\": \"ftp://acme.example\"}", "website_url");
        invalid("{\"support_email\": \"help at acme\"}", "support_email must be an email address");
        invalid("{\"support_phone\": \"call us\"}", "support_phone must be a phone number");
        invalid("{\"support_phone\": \"12\"}", "support_phone must be a phone number");
        invalid("{\"name\": \"" + "x".repeat(201) + "\"}", "name may have at most 200 characters, not 201");
        invalid("{\"support_hours\": \"9 to 5\\nweekdays\"}", "support_hours must be on one line");
        invalid("{\"name\": \"{{Company Name}}\"}", "name must not contain {{ or }}");
        invalid("{\"extra\": []}", "extra must be an object");
        invalid("{\"extra\": {\"Refund Policy\": 3}}", "the value of extra placeholder 'Refund Policy' must be");
        invalid("{\"extra\": {\"Refund Policy\": \" \"}}", "must be a non-empty string");
        invalid("{\"extra\": {\"\": \"x\"}}", "is not a placeholder name");
        invalid("{\"extra\": {\"{{a}} b\": \"x\"}}", "is not a placeholder name");
        invalid("{\"extra\": {\"Refund Policy\": \"a\", \"refund  policy\": \"b\"}}", "twice");
        invalid("{\"nmae\": \"Acme\"}", "unknown field 'nmae'");
    }

    @Test
    void aGoodPhoneNumberMayHaveLettersAndSigns() {
        assertThat(read("{\"support_phone\": \"1-800-FLOWERS\"}").supportPhone()).isEqualTo("1-800-FLOWERS");
        assertThat(read("{\"support_phone\": \"+44 (0)20 7946 0958\"}").supportPhone())
                .isEqualTo("+44 (0)20 7946 0958");
    }
}
