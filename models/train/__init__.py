"""Training machinery every trainer shares: resumable fit with checkpoints every N steps, the
step-indexed batches of raw audio, data-parallel distribution and analytic FLOPs.

Rules: `train` (through the model registry).
"""
