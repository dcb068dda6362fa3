"""Domain events written to an outbox table in the same transaction as the change they describe."""
