"""Publish the marts of an as-of date from its snapshots, atomically: the seat reading, quota utilisation, the seat
lifecycle with each learner's registry match, and activity by domain and course type."""
