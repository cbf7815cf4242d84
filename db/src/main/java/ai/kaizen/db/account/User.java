package ai.kaizen.db.account;

import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Converter;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A reviewer or operator account. End users have no account. */
@Entity
@Table(name = "app_user")
public class User {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "name", nullable = false, length = 100)
    private String name;

    @Convert(converter = RoleColumn.class)
    @Column(name = "role", nullable = false, length = 20)
    private Role role;

    @Column(name = "password_hash", nullable = false)
    private String passwordHash;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "disabled_at")
    private Instant disabledAt;

    protected User() {
    }

    public User(String name, Role role, String passwordHash) {
        if (role == Role.END_USER) {
            throw new IllegalArgumentException("end users have no account");
        }
        this.name = name;
        this.role = role;
        this.passwordHash = passwordHash;
        this.createdAt = Instant.now();
    }

    public Long id() {
        return id;
    }

    public String name() {
        return name;
    }

    public Role role() {
        return role;
    }

    public String passwordHash() {
        return passwordHash;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public boolean isDisabled() {
        return disabledAt != null;
    }

    public void changePasswordHash(String newHash) {
        this.passwordHash = newHash;
    }

    /** Stores roles as their lower-case labels, which the table's check constraint lists. */
    @Converter
    public static class RoleColumn implements AttributeConverter<Role, String> {
        @Override
        public String convertToDatabaseColumn(Role role) {
            return role == null ? null : role.label();
        }

        @Override
        public Role convertToEntityAttribute(String label) {
            return label == null ? null : Role.ofAccount(label)
                    .orElseThrow(() -> new IllegalStateException("unknown role in database: " + label));
        }
    }
}
