"""Vision and search: image analyses by content, search documents kept in sync with every branch, keyword +
semantic + image search with rank fusion, near-duplicates, brand custom tags and asset reuse."""
