package ai.kaizen.db.setting;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** One operator-editable setting: a key and its text value. */
@Entity
@Table(name = "setting")
public class Setting {

    @Id
    @Column(name = "key", length = 200)
    private String key;

    @Column(name = "value", nullable = false, columnDefinition = "text")
    private String value;

    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;

    protected Setting() {
        // for Hibernate
    }

    public Setting(String key, String value) {
        this.key = key;
        this.value = value;
        this.updatedAt = Instant.now();
    }

    public String key() {
        return key;
    }

    public String value() {
        return value;
    }

    public Instant updatedAt() {
        return updatedAt;
    }

    void change(String newValue) {
        this.value = newValue;
        this.updatedAt = Instant.now();
    }
}
