"""A/B experiments over creative variants: metrics, Bayesian analysis, Thompson sampling, fatigue."""
