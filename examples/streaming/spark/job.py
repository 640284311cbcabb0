"""Kafka → Spark Structured Streaming → Postgres: counts events per key in one-minute windows."""

import os

from pyspark.sql import SparkSession
from pyspark.sql.functions import col, window

spark = SparkSession.builder.appName("events-aggregates").getOrCreate()
events = (
    spark.readStream.format("kafka")
    .option("kafka.bootstrap.servers", os.environ["KAFKA_BOOTSTRAP"])
    .option("subscribe", os.environ.get("KAFKA_TOPIC", "events"))
    .load()
)
counts = events.groupBy(window(col("timestamp"), "1 minute"), col("key")).count()


def write(batch, _epoch):
    batch.write.jdbc(os.environ["JDBC_URL"], "aggregates", mode="append", properties={"driver": "org.postgresql.Driver"})


counts.writeStream.outputMode("update").foreachBatch(write).option("checkpointLocation", os.environ["CHECKPOINT"]).start().awaitTermination()
