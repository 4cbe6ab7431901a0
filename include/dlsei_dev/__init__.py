"""Developer tooling, kept out of the runtime package: the sample-data generator, the demo, the benchmark, the
data-dictionary writer and the in-process Airflow runner. The CLI and the tests import it; the DAGs, the plugin
and `dlsei` itself never do."""
