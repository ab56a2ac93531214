-- Offending rows: probabilities outside [0, 1] or confidence limits not around the estimate.
SELECT cohort, endpoint, statistic, timepoint, estimate, lower, upper
FROM outcomes.outcome_estimates
WHERE statistic IN ('survival', 'cumulative_incidence')
  AND (estimate < 0 OR estimate > 1 OR lower > estimate + 1e-12 OR upper < estimate - 1e-12
       OR lower < 0 OR upper > 1);
