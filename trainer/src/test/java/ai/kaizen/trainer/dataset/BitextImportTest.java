package ai.kaizen.trainer.dataset;

import ai.kaizen.trainer.sft.TestData;
import ai.kaizen.model.tokenizer.ChatMessage;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BitextImportTest {

    private static final Path BITEXT = TestData.data("bitext");

    @Test
    void detailedAnswersArePreferredOverCannedOnesForTheSameMessage() {
        String detailed = "response,instruction,intent\n"
                + "\"Sure! Your order {{Order Number}} is on its way.\nAnything else?\",where is my order?,track\n"
                + "\"We have many hats.\",do you sell hats?,catalog\n";
        String canned = "instruction,category,response\n"
                + "where is my order?,ORDER,Check the website.\n"
                + "cancel it,ORDER,Cancelled.\n";
        BitextImport.Result result = BitextImport.read(new StringReader(detailed), new StringReader(canned));

        assertThat(result.sft()).hasSize(2);
        assertThat(result.preferences()).containsExactly(new PreferenceExample(
                List.of(ChatMessage.user("where is my order?")),
                "Sure! Your order {{Order Number}} is on its way.\nAnything else?", "Check the website.",
                Provenance.of("bitext", "detailed:1", "canned:1")));
    }

    @Test
    void aValueWhoseOffsetsRunPastTheMessageIsFoundByItsText(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("detailed_responses.csv");
        Files.writeString(csv, "instruction,intent,category,entity_type,entity_value,start_offset,end_offset,response\n"
                + "cancel purchase 3707955617,cancel_order,ORDER,order_id,3707955617,16,28,Cancelling 370795561790.\n"
                + "cancel purchase 12345,cancel_order,ORDER,order_id,12345,16,21,Cancelling 12345.\n"
                + "cancel it,cancel_order,ORDER,order_id,999,16,28,Done.\n");
        List<BitextImport.LabelledRow> rows = BitextImport.labelledRows(csv);
        assertThat(rows).extracting(BitextImport.LabelledRow::mention).containsExactly(
                new BitextImport.Mention("order_id", 16, 26), new BitextImport.Mention("order_id", 16, 21), null);
    }

    @Test
    void theSharedFilesGiveThousandsOfPairs() {
        Assumptions.assumeTrue(Files.isDirectory(BITEXT), "no " + BITEXT);
        BitextImport.Result result = BitextImport.read(BITEXT);

        assertThat(result.detailedRows()).isEqualTo(3849);
        assertThat(result.cannedRows()).isEqualTo(5835);
        assertThat(result.sft()).hasSize(3849);
        assertThat(result.preferences()).hasSize(3719 - result.identicalSkipped());
        PreferenceExample first = result.preferences().get(0);
        assertThat(first.prompt()).containsExactly(ChatMessage.user("how can I cancel purchase 113542617735902?"));
        assertThat(first.chosen()).startsWith("I understand how unnerving it can be to cancel an order, especially "
                + "if it's order number {{Purchase ID Anonymized}}.");
        assertThat(first.rejected()).isEqualTo("We're sorry to hear you want to cancel your order. You can do this "
                + "by going to your order details and clicking the 'Cancel Order' button. If you need assistance, "
                + "please contact our support team.");
        System.out.printf("bitext: %d SFT examples, %d preference pairs (%d identical skipped)%n",
                result.sft().size(), result.preferences().size(), result.identicalSkipped());
    }
}
