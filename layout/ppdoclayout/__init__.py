"""The vl engine's layout: PP-DocLayoutV2 (model, Paddle-format reader, converter),
PaddleOCR-VL's box rules and block merging."""
