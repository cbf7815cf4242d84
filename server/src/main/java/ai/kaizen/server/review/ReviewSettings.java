package ai.kaizen.server.review;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The reviewer workspace's configuration ({@code review.*}).
 *
 * @param candidates      answers per ranking task (K, 2 to 4)
 * @param overlap         distinct reviewers per task
 * @param buffer          ranking tasks with a free place kept ready by the {@link CandidateGenerator}
 * @param editWindow      how long submitted work may be changed
 * @param guidelinesFile  the operators' guidelines file; empty for the built-in guidelines
 */
public record ReviewSettings(int candidates, int overlap, int buffer, Duration editWindow,
                             Optional<Path> guidelinesFile) {
}
