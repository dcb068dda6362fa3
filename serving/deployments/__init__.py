"""Ray Serve deployments. Import only from serving.app (these modules import ray)."""
