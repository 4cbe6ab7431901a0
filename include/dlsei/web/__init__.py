"""HTTP views over the warehouse, served by Airflow's api-server through the project's plugin."""
