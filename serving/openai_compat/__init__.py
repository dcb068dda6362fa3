"""OpenAI-compatible chat completions over the copywriting LLM, for systems that already speak it."""
