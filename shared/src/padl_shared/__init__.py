"""Utilities shared by every padl question: paths, seeding, device, metrics, MLflow."""
