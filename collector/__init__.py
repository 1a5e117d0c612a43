"""The collector: pulls raw facts from the sources into the store. It never computes metrics."""
