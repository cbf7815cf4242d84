-- API clients may send pairwise choices about two of their completions.
ALTER TABLE pairwise_comparison DROP CONSTRAINT pairwise_comparison_trigger_check;
ALTER TABLE pairwise_comparison ADD CONSTRAINT pairwise_comparison_trigger_check
    CHECK (trigger IN ('sampled', 'regenerate', 'api'));
