"""LLM backends behind one protocol: llama.cpp (GGUF on CPU), OpenAI-compatible servers, vLLM (GPU image
only) and Hugging Face transformers; chosen by settings, imported and loaded lazily."""
