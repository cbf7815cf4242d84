package ai.kaizen.server.account;

import com.password4j.Argon2Function;
import com.password4j.Password;
import com.password4j.types.Argon2;

/**
 * Password hashing with Argon2id (password4j). Hashes are PHC strings ({@code $argon2id$v=19$m=...}), so the
 * parameters travel with each hash and can be raised later without breaking old ones.
 */
public final class Passwords {

    /** OWASP's recommended minimum for Argon2id: 19 MiB, 2 iterations, 1 lane. */
    private static final Argon2Function ARGON2ID = Argon2Function.getInstance(19 * 1024, 2, 1, 32, Argon2.ID);
    public static final int MIN_LENGTH = 10;
    public static final int MAX_LENGTH = 256;

    private Passwords() {
    }

    public static String hash(String password) {
        check(password);
        return Password.hash(password).addRandomSalt(16).with(ARGON2ID).getResult();
    }

    public static boolean verify(String password, String hash) {
        if (password == null || hash == null || password.length() > MAX_LENGTH) {
            return false;
        }
        try {
            return Password.check(password, hash).with(Argon2Function.getInstanceFromHash(hash));
        } catch (RuntimeException malformedHash) {
            return false;
        }
    }

    /** A hash of nothing in particular, to spend the same time on unknown user names as on known ones. */
    public static void verifyDummy(String password) {
        verify(password, DUMMY);
    }

    private static final String DUMMY = Password.hash("kaizen-dummy-password").addRandomSalt(16).with(ARGON2ID)
            .getResult();

    /** @throws IllegalArgumentException with a message for the person choosing the password */
    public static void check(String password) {
        if (password == null || password.length() < MIN_LENGTH) {
            throw new IllegalArgumentException("the password must have at least " + MIN_LENGTH + " characters");
        }
        if (password.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("the password must have at most " + MAX_LENGTH + " characters");
        }
    }
}
