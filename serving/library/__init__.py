"""The studio's library: browse a branch without a query, index status, an asset's history across refs,
duplicates of uploaded bytes and the tag vocabulary (read-only views over the repository and the index)."""
