"""Generation jobs: pipelines run through the model gateway, results stored as assets with lineage."""
