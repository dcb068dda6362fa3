"""The narrow protocol between routes/jobs and model deployments."""
