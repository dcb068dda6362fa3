"""The statistics of creative experiments: Beta-Binomial posteriors, the probability each arm is best,
expected loss, Thompson-sampling traffic weights and creative-fatigue detection.

Pure math on counts (numpy and the standard library): no web, no database.
"""
