"""Deterministic sample data: HEC registry extracts, Coursera exports in every layout the pipeline reads, and
the utilisation truth the pipeline's end-to-end tests compare against. See docs/sample-data.md."""

from dlsei_dev.generator.sample import SampleConfig, SampleManifest, generate_sample

__all__ = ["SampleConfig", "SampleManifest", "generate_sample"]
