package ai.kaizen.db;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatabaseUrlTest {

    @Test
    void parsesTheUsualForm() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://kaizen:s3cret@db.example:6543/kaizen");
        assertThat(url).isEqualTo(new DatabaseUrl("db.example", 6543, "kaizen", "kaizen", "s3cret", Map.of()));
        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6543/kaizen");
    }

    @Test
    void acceptsPostgresAndJdbcSchemesAndDefaultsThePort() {
        assertThat(DatabaseUrl.parse("postgres://u@h/d").port()).isEqualTo(5432);
        assertThat(DatabaseUrl.parse("jdbc:postgresql://h:1/d?user=u&password=p"))
                .isEqualTo(new DatabaseUrl("h", 1, "d", "u", "p", Map.of()));
    }

    @Test
    void decodesPercentEncodedCredentialsAndKeepsParameters() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://us%40er:p%3Aa%2Fss+w@h:5432/d?sslmode=require");
        assertThat(url.user()).isEqualTo("us@er");
        assertThat(url.password()).isEqualTo("p:a/ss+w");
        assertThat(url.params()).containsEntry("sslmode", "require");
        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://h:5432/d?sslmode=require");
    }

    @Test
    void masksThePasswordWhenPrinted() {
        assertThat(DatabaseUrl.parse("postgresql://kaizen:s3cret@h:5432/kaizen").toString())
                .isEqualTo("postgresql://kaizen:****@h:5432/kaizen")
                .doesNotContain("s3cret");
    }

    @Test
    void rejectsWhatIsNotAPostgresUrlWithAReadableMessage() {
        assertThatThrownBy(() -> DatabaseUrl.parse("mysql://h/d")).hasMessageContaining("scheme 'mysql'");
        assertThatThrownBy(() -> DatabaseUrl.parse("postgresql://h:5432/")).hasMessageContaining("database name");
        assertThatThrownBy(() -> DatabaseUrl.parse("postgresql:///d")).hasMessageContaining("host");
        assertThatThrownBy(() -> DatabaseUrl.parse("  ")).hasMessageContaining("empty");
        assertThatThrownBy(() -> DatabaseUrl.parse("postgresql://h:99999/d")).hasMessageContaining("port");
    }
}
