package ai.kaizen.server;

/** The version of Kaizen that is running, from the jar's manifest ("dev" when run from classes). */
public final class Version {

    private Version() {
    }

    public static String current() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
