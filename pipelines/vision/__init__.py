"""Image understanding: encoders (EfficientNet-Lite0 ONNX, open_clip), taxonomy tags, colours, quality,
faces, perceptual hashes, and the tagger that gathers them per image."""
