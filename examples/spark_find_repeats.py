#!/usr/bin/env python3
"""neardup on Spark: find repeated documents and passages in a folder of
text files or a Parquet/JSON Lines table, and write the findings as Parquet.

    spark-submit examples/spark_find_repeats.py examples/corpus out/
    spark-submit --master local[2] examples/spark_find_repeats.py data.parquet out/ \
        --text-col body --id-col url --min-words 80

Writes out/pairs, out/passages and out/clusters (Parquet) and prints the
summary. Every executor needs the neardup wheel installed (see README, "On a
Spark cluster").
"""

import argparse
import logging
import os

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from neardup.spark import find_repeats

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("input", help="a folder of text files, or a .parquet / .jsonl table")
p.add_argument("output", help="folder for pairs/, passages/, clusters/ (Parquet)")
p.add_argument("--text-col", default="text")
p.add_argument("--id-col", default="id")
p.add_argument("--min-words", type=int)
p.add_argument("--boilerplate-df", type=int)
p.add_argument("--keep", choices=["first", "longest"])
p.add_argument("--overwrite", action="store_true")
a = p.parse_args()

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
spark = SparkSession.builder.appName("neardup").getOrCreate()
spark.sparkContext.setLogLevel("WARN")
if os.path.isdir(a.input) and not a.input.rstrip("/").endswith(".parquet"):
    # One document per file, named by its path (as the command line names it).
    df = (
        spark.read.text(a.input, wholetext=True)
        .select(F.input_file_name().alias("path"), F.col("value").alias("text"))
        .select(F.regexp_replace("path", "^file:(//)?", "").alias("id"), "text")
    )
    text_col, id_col = "text", "id"
elif a.input.endswith((".jsonl", ".json")):
    df, text_col, id_col = spark.read.json(a.input), a.text_col, a.id_col
else:
    df, text_col, id_col = spark.read.parquet(a.input), a.text_col, a.id_col

options = {k: v for k, v in (("min_words", a.min_words), ("boilerplate_df", a.boilerplate_df),
                             ("keep", a.keep)) if v is not None}
result = find_repeats(df, text_col=text_col, id_col=id_col, output=a.output,
                      mode="overwrite" if a.overwrite else "errorifexists", **options)
pairs, passages, clusters = result
pairs.select("a", "b", "kind", "jaccard", F.size("spans").alias("spans")).show(20, truncate=60)
print(result.summary)
spark.stop()
