"""Image generation: diffusion architectures and backends (diffusers, loaded lazily)."""
