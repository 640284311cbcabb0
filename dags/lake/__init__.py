"""Task logic of the trips DAG, kept free of Airflow so it can be tested against moto directly."""
