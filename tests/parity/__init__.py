"""Parity suite: ocrvl against the official PaddleX / Paddle code (run with tests/parity/run.sh)."""
