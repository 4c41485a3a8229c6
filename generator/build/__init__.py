"""One build, and what makes the next one incremental: the pipeline, its inputs and their
digests, the cache store and its records, the short path for body edits, the workers,
and the staging folder swapped in whole."""
